"""The canonical position report: one Arrow schema for every input format.

Units are in the column names. One row is one report received from one
aircraft at one time. Reports without a valid position are kept, with null
``lat``/``lon``: while GNSS is jammed, altitude and speed keep coming and the
missing positions are the signal.
"""

from __future__ import annotations

import pyarrow as pa

#: Source of a report, from the transport that delivered it.
#: adsb: ADS-B (DF17, DF18 ADS-R rebroadcasts); mlat: multilateration;
#: tisb: TIS-B ground rebroadcast of radar tracks; other: anything else,
#: such as Mode S replies without ADS-B content or an unknown origin.
SOURCES: tuple[str, ...] = ("adsb", "mlat", "tisb", "other")

TIME_TYPE = pa.timestamp("ns", tz="UTC")

REPORT_SCHEMA = pa.schema(
    [
        pa.field("time", TIME_TYPE, nullable=False),
        pa.field("icao24", pa.string(), nullable=False),  # 6 lower-case hex digits
        pa.field("callsign", pa.string()),  # stripped, None when unknown
        pa.field("lat", pa.float64()),  # WGS84 degrees, null when no valid position
        pa.field("lon", pa.float64()),
        pa.field("alt_baro_ft", pa.float32()),  # pressure altitude, ft (1013.25 hPa)
        pa.field("alt_geom_ft", pa.float32()),  # GNSS (geometric) altitude, ft
        pa.field("gs_kt", pa.float32()),  # ground speed, kt
        pa.field("track_deg", pa.float32()),  # true track over ground, degrees
        pa.field("vrate_fpm", pa.float32()),  # vertical rate, ft/min
        pa.field("ias_kt", pa.float32()),  # indicated airspeed, kt
        pa.field("tas_kt", pa.float32()),  # true airspeed, kt
        pa.field("mach", pa.float32()),
        pa.field("heading_deg", pa.float32()),  # true heading when known, else magnetic
        pa.field("roll_deg", pa.float32()),
        pa.field("squawk", pa.string()),  # 4 octal digits
        pa.field(
            "emergency", pa.string()
        ),  # none, general, lifeguard, minfuel, nordo, unlawful, downed
        pa.field("nic", pa.int8()),  # navigation integrity category, 0-11
        pa.field("rc_m", pa.float32()),  # containment radius, metres
        pa.field("nac_p", pa.int8()),  # navigation accuracy, position, 0-11
        pa.field("nac_v", pa.int8()),  # navigation accuracy, velocity, 0-4
        pa.field("sil", pa.int8()),  # source integrity level, 0-3
        pa.field("nav_altitude_ft", pa.float32()),  # selected altitude (MCP/FCU or FMS)
        pa.field("nav_heading_deg", pa.float32()),  # selected heading
        pa.field("nav_autopilot", pa.bool_()),  # nav modes, null when not transmitted
        pa.field("nav_vnav", pa.bool_()),
        pa.field("nav_althold", pa.bool_()),
        pa.field("nav_approach", pa.bool_()),
        pa.field("nav_lnav", pa.bool_()),
        pa.field("nav_tcas", pa.bool_()),
        pa.field("on_ground", pa.bool_()),
        # The sender said no position came for a while before this one (readsb
        # trace "stale" flag): the line to the previous position is a guess.
        pa.field("stale", pa.bool_()),
        pa.field("new_leg", pa.bool_()),  # the sender marked the start of a new leg
        pa.field("source", pa.string(), nullable=False),  # one of SOURCES
        pa.field("df", pa.int8()),  # Mode S downlink format, raw frames only
        pa.field("format", pa.string(), nullable=False),  # input format name
        pa.field("record_id", pa.int64(), nullable=False),  # stable id, see io.ids
    ]
)

COLUMNS: tuple[str, ...] = tuple(REPORT_SCHEMA.names)

#: Valid ranges, checked on every report before it is stored (see io.validate).
LAT_RANGE = (-90.0, 90.0)
LON_RANGE = (-180.0, 180.0)
#: Lowest pressure altitude plausible in flight or on the ground (Dead Sea shore
#: is -1,410 ft; below -1,500 ft is outside the Mode S encoding's useful range).
ALT_MIN_FT = -1500.0
#: Highest altitude a Mode S / ADS-B altitude field can encode (Gillham and
#: 25-ft encodings top out just above 126,700 ft).
ALT_MAX_FT = 130000.0


def empty_reports() -> pa.Table:
    """A table with the canonical schema and no rows."""
    return REPORT_SCHEMA.empty_table()
