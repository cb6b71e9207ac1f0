"""Colours, and the words legends use, shared by the PNG and HTML maps.

The words say what a level or a symbol means in plain language; the numbers
in them come from the constants the detectors use, so a legend cannot drift
from the analysis.
"""

from __future__ import annotations

from skywitness.gnss.jamming.maps import (
    GREEN_BELOW,
    LEVEL_COLOURS,
    LEVELS_GPSJAM,
    LEVELS_OURS,
    LOW_TRAFFIC_MIN_AIRCRAFT,
    MIN_BAD_AIRCRAFT,
    RED_FROM,
)
from skywitness.gnss.locate import FRONT_TO_BACK_MAX_DB

#: Level schemes: the option name and the column holding its levels.
SCHEMES = {"ours": "level", "gpsjam": "level_gpsjam"}
SCHEME_LEVELS = {"ours": LEVELS_OURS, "gpsjam": LEVELS_GPSJAM}
SCHEME_TITLES = {
    "ours": "our levels (Wilson 95 % bound, >= 2 bad aircraft)",
    "gpsjam": "GPSJam levels ((bad - 1) / (bad + good))",
}
#: Cell fill opacity by level: levels that say something are solid, the ones
#: that say "not enough aircraft" faint, so the coast shows through them.
CELL_ALPHA: dict[str, float] = {
    "green": 0.7,
    "yellow": 0.85,
    "red": 0.85,
    "uncertain": 0.3,
    "low traffic": 0.3,
    "no data": 0.2,
}
#: Worst first: a cell seen in several windows is drawn at its worst level.
LEVEL_RANK = {"red": 5, "yellow": 4, "green": 3, "uncertain": 2, "low traffic": 2, "no data": 1}

_RED = f"{RED_FROM:.0%}"
_YELLOW = f"{GREEN_BELOW:.0%}"
#: What each level means, in words (a share is of the aircraft that sent
#: GNSS quality in the cell and window).
LEVEL_WORDS: dict[str, dict[str, str]] = {
    "ours": {
        "red": f"{MIN_BAD_AIRCRAFT}+ aircraft lost GNSS, at least {_RED} of those seen",
        "yellow": f"{MIN_BAD_AIRCRAFT}+ aircraft lost GNSS, at least {_YELLOW} of those seen",
        "green": f"GNSS kept: under {_RED} of the aircraft lost it",
        "uncertain": "too few aircraft to tell",
        "no data": "no aircraft sent GNSS quality",
    },
    "gpsjam": {
        "red": f"(bad - 1) / (bad + good) at least {_RED}",
        "yellow": f"(bad - 1) / (bad + good) {_YELLOW} to {_RED}",
        "green": f"(bad - 1) / (bad + good) under {_YELLOW}",
        "low traffic": f"fewer than {LOW_TRAFFIC_MIN_AIRCRAFT} aircraft with GNSS quality",
        "no data": "no aircraft sent GNSS quality",
    },
}
#: The note under each scheme's levels.
SCHEME_NOTES = {
    "ours": "Shares are 95 % bounds (Wilson): 'at least' is the lower bound, 'under' the "
    "upper; one aircraft alone never makes a cell yellow or red.",
    "gpsjam": "GPSJam's published score: bad = aircraft that lost GNSS, good = kept it; "
    "one bad aircraft per cell is forgiven.",
}

#: Interference events by kind (``Event.kind``): area outline, emitter, its circles.
EVENT_COLOURS = {"jamming": "#6a3d9a", "spoofing": "#d94801"}
DEFAULT_EVENT_COLOUR = EVENT_COLOURS["jamming"]
#: Spoofing: false positions (magenta, apart from the red of the cells),
#: estimated true paths, spoofed places, the spoofer's reach.
FALSE_COLOUR = "#c51b7d"
PATH_COLOUR = "#1f4e9c"
PLACE_COLOUR = "#7a0010"
REACH_COLOUR = "#ff7f0e"

#: Legend words for what the maps draw besides cells.
WORDS = {
    "areas": "Event area: where the aircraft that lost GNSS were",
    "emitters": "Estimated emitter (x), the 95 % circle of its position (filled) and, "
    f"dotted, the 95 % circle if its antenna is directional (up to {FRONT_TO_BACK_MAX_DB:.0f} dB "
    "front to back)",
    "ranges": "Emitter's effective range: aircraft inside lose GNSS (faint)",
    "false": "False positions the spoofed aircraft reported",
    "places": "Spoofed place: where the false positions were held",
    "reach": "Spoofer's estimated reach (shaded), centre (x) and its 95 % circle",
    "paths": "Estimated true paths (dashed): where the spoofed aircraft flew",
}


def event_colour(kind: str) -> str:
    return EVENT_COLOURS.get(kind, DEFAULT_EVENT_COLOUR)


__all__ = [
    "CELL_ALPHA",
    "EVENT_COLOURS",
    "FALSE_COLOUR",
    "LEVEL_COLOURS",
    "LEVEL_RANK",
    "LEVEL_WORDS",
    "PATH_COLOUR",
    "PLACE_COLOUR",
    "REACH_COLOUR",
    "SCHEMES",
    "SCHEME_LEVELS",
    "SCHEME_NOTES",
    "SCHEME_TITLES",
    "WORDS",
    "event_colour",
]
