"""Aircraft performance for the simulator: a small table per type, and the ISA atmosphere.

Figures are the EUROCONTROL Aircraft Performance Database (APD,
https://contentzone.eurocontrol.int/aircraftperformance/ , page
``details.aspx?ICAO=<type>``), the maintained public source of typical
performance per ICAO type designator. The APD gives, per flight phase, an
indicated airspeed (IAS) or Mach and a rate of climb or descent:

    take-off        V2 (IAS), take-off distance
    initial climb   IAS and rate of climb up to 5,000 ft
    climb           IAS and rate of climb up to FL150, then up to FL240
    Mach climb      Mach and rate of climb above FL240
    cruise          TAS, Mach, ceiling, range
    initial descent Mach and rate of descent down to FL240
    descent         IAS and rate of descent down to FL100
    approach        IAS and rate of descent below FL100, minimum clean speed (MCS)
    landing         threshold speed Vat, landing distance

The APD describes a typical flight, not an envelope: the simulator flies
these figures, and the tests check simulated rates against them.

IAS is taken as calibrated airspeed (CAS): the difference (instrument and
position error) is a few knots. CAS and Mach convert to true airspeed (TAS)
through the International Standard Atmosphere (ICAO Doc 7488/3), below.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from skywitness.model.atmosphere import cas_to_tas_kt, mach_to_tas_kt

Float = NDArray[np.float64]

# -- the type table ----------------------------------------------------------------

#: Altitude bands of the APD climb and descent figures (ft).
BAND_INITIAL_CLIMB_TOP_FT = 5_000.0
BAND_FL100_FT = 10_000.0
BAND_FL150_FT = 15_000.0
BAND_FL240_FT = 24_000.0
#: Speed limit below FL100: 250 kt IAS (ICAO Annex 11 Appendix 4 for airspace
#: classes C to G; 14 CFR 91.117 in the United States). The APD climb and
#: descent IAS apply above it.
SPEED_LIMIT_BELOW_FL100_KT = 250.0


@dataclass(frozen=True)
class Performance:
    """Typical performance of one ICAO aircraft type (APD figures, units in names)."""

    icao_type: str
    #: ADS-B emitter category (RTCA DO-260B 2.2.3.2.5.2): A2 small (7-34 t),
    #: A3 large (34-136 t), A5 heavy (above 136 t), from the APD MTOW.
    category: str
    mtow_kg: float
    v2_kt: float
    takeoff_distance_m: float
    initial_climb_ias_kt: float  # to 5,000 ft
    initial_climb_roc_fpm: float
    climb_fl150_ias_kt: float  # to FL150
    climb_fl150_roc_fpm: float
    climb_fl240_ias_kt: float  # to FL240
    climb_fl240_roc_fpm: float
    mach_climb: float | None  # above FL240; None for turboprops (IAS climb)
    mach_climb_roc_fpm: float
    cruise_tas_kt: float
    cruise_mach: float | None  # None: cruise at cruise_tas_kt
    ceiling_fl: int
    range_nm: float
    initial_descent_mach: float | None  # down to FL240
    initial_descent_rod_fpm: float
    descent_ias_kt: float  # down to FL100
    descent_rod_fpm: float
    approach_ias_kt: float  # below FL100
    approach_rod_fpm: float
    min_clean_kt: float  # MCS
    vat_kt: float  # threshold speed
    landing_distance_m: float
    #: Usual cruise level when the route allows it. Not an APD figure: a
    #: modelling choice a few thousand feet under the APD ceiling, where airline
    #: cruise traffic of the type is usually seen.
    typical_fl: int
    #: Shortest route flown with the type (modelling choice: wide bodies are
    #: not scheduled on short hops).
    min_route_km: float = 0.0

    @property
    def max_roc_fpm(self) -> float:
        """The largest APD climb rate of the type."""
        return max(
            self.initial_climb_roc_fpm,
            self.climb_fl150_roc_fpm,
            self.climb_fl240_roc_fpm,
            self.mach_climb_roc_fpm,
        )

    @property
    def max_rod_fpm(self) -> float:
        """The largest APD descent rate of the type."""
        return max(self.initial_descent_rod_fpm, self.descent_rod_fpm, self.approach_rod_fpm)

    @property
    def max_route_km(self) -> float:
        """Longest route flown: 80 % of the APD range (reserves, payload; modelling choice)."""
        return ROUTE_RANGE_FRACTION * self.range_nm * 1.852

    def max_tas_kt(self) -> float:
        """The highest TAS the type reaches on the APD schedule, any altitude up to its ceiling."""
        alt = np.linspace(0.0, self.ceiling_fl * 100.0, 200)
        cas = max(self.climb_fl240_ias_kt, self.descent_ias_kt)
        tas = cas_to_tas_kt(cas, alt)
        mach = max(
            m
            for m in (self.mach_climb, self.cruise_mach, self.initial_descent_mach, 0.0)
            if m is not None
        )
        if mach > 0:
            tas = np.minimum(tas, mach_to_tas_kt(mach, alt))
        return float(max(tas.max(), self.cruise_tas_kt))


#: Share of the APD range flown at most (modelling choice).
ROUTE_RANGE_FRACTION = 0.8

# Each entry below is transcribed from the APD page of the type
# (https://contentzone.eurocontrol.int/aircraftperformance/details.aspx?ICAO=<type>).
# A320 and B738 were cross-checked against an independent transcription of
# the same pages; the others should be re-checked against the page when the
# APD is next consulted (see the simulator's review notes).
TYPES: dict[str, Performance] = {
    # APD, ICAO=A320 (Airbus A320).
    "A320": Performance(
        icao_type="A320", category="A3", mtow_kg=73_900, v2_kt=145, takeoff_distance_m=2190,
        initial_climb_ias_kt=175, initial_climb_roc_fpm=2500,
        climb_fl150_ias_kt=290, climb_fl150_roc_fpm=2000,
        climb_fl240_ias_kt=290, climb_fl240_roc_fpm=1400,
        mach_climb=0.78, mach_climb_roc_fpm=1000,
        cruise_tas_kt=450, cruise_mach=0.79, ceiling_fl=390, range_nm=2700,
        initial_descent_mach=0.78, initial_descent_rod_fpm=1000,
        descent_ias_kt=290, descent_rod_fpm=3500,
        approach_ias_kt=250, approach_rod_fpm=1500, min_clean_kt=210,
        vat_kt=137, landing_distance_m=1440, typical_fl=360,
    ),
    # APD, ICAO=B738 (Boeing 737-800).
    "B738": Performance(
        icao_type="B738", category="A3", mtow_kg=70_530, v2_kt=145, takeoff_distance_m=2300,
        initial_climb_ias_kt=165, initial_climb_roc_fpm=3000,
        climb_fl150_ias_kt=290, climb_fl150_roc_fpm=2000,
        climb_fl240_ias_kt=290, climb_fl240_roc_fpm=2000,
        mach_climb=0.78, mach_climb_roc_fpm=1500,
        cruise_tas_kt=460, cruise_mach=0.79, ceiling_fl=410, range_nm=2000,
        initial_descent_mach=0.78, initial_descent_rod_fpm=800,
        descent_ias_kt=280, descent_rod_fpm=3500,
        approach_ias_kt=250, approach_rod_fpm=1500, min_clean_kt=210,
        vat_kt=147, landing_distance_m=1600, typical_fl=370,
    ),
    # APD, ICAO=E190 (Embraer ERJ-190).
    "E190": Performance(
        icao_type="E190", category="A3", mtow_kg=51_800, v2_kt=138, takeoff_distance_m=2056,
        initial_climb_ias_kt=180, initial_climb_roc_fpm=3000,
        climb_fl150_ias_kt=250, climb_fl150_roc_fpm=2500,
        climb_fl240_ias_kt=290, climb_fl240_roc_fpm=2000,
        mach_climb=0.70, mach_climb_roc_fpm=1500,
        cruise_tas_kt=447, cruise_mach=0.78, ceiling_fl=410, range_nm=2400,
        initial_descent_mach=0.78, initial_descent_rod_fpm=1500,
        descent_ias_kt=290, descent_rod_fpm=2500,
        approach_ias_kt=250, approach_rod_fpm=1500, min_clean_kt=200,
        vat_kt=124, landing_distance_m=1244, typical_fl=350,
    ),
    # APD, ICAO=CRJ9 (Bombardier CRJ-900).
    "CRJ9": Performance(
        icao_type="CRJ9", category="A3", mtow_kg=36_500, v2_kt=150, takeoff_distance_m=1800,
        initial_climb_ias_kt=190, initial_climb_roc_fpm=2500,
        climb_fl150_ias_kt=290, climb_fl150_roc_fpm=2500,
        climb_fl240_ias_kt=290, climb_fl240_roc_fpm=2000,
        mach_climb=0.77, mach_climb_roc_fpm=1500,
        cruise_tas_kt=447, cruise_mach=0.78, ceiling_fl=410, range_nm=1550,
        initial_descent_mach=0.77, initial_descent_rod_fpm=2000,
        descent_ias_kt=290, descent_rod_fpm=2500,
        approach_ias_kt=250, approach_rod_fpm=1500, min_clean_kt=210,
        vat_kt=140, landing_distance_m=1650, typical_fl=350,
    ),
    # APD, ICAO=AT76 (ATR 72-600). Turboprop: IAS climb and descent, no Mach figures.
    "AT76": Performance(
        icao_type="AT76", category="A2", mtow_kg=23_000, v2_kt=115, takeoff_distance_m=1400,
        initial_climb_ias_kt=170, initial_climb_roc_fpm=1300,
        climb_fl150_ias_kt=170, climb_fl150_roc_fpm=1000,
        climb_fl240_ias_kt=170, climb_fl240_roc_fpm=700,
        mach_climb=None, mach_climb_roc_fpm=700,
        cruise_tas_kt=275, cruise_mach=None, ceiling_fl=250, range_nm=800,
        initial_descent_mach=None, initial_descent_rod_fpm=1000,
        descent_ias_kt=240, descent_rod_fpm=1500,
        approach_ias_kt=180, approach_rod_fpm=1000, min_clean_kt=150,
        vat_kt=113, landing_distance_m=1100, typical_fl=220,
    ),
    # APD, ICAO=A333 (Airbus A330-300).
    "A333": Performance(
        icao_type="A333", category="A5", mtow_kg=233_000, v2_kt=145, takeoff_distance_m=2500,
        initial_climb_ias_kt=175, initial_climb_roc_fpm=2000,
        climb_fl150_ias_kt=300, climb_fl150_roc_fpm=2000,
        climb_fl240_ias_kt=300, climb_fl240_roc_fpm=1500,
        mach_climb=0.80, mach_climb_roc_fpm=1000,
        cruise_tas_kt=470, cruise_mach=0.82, ceiling_fl=410, range_nm=5650,
        initial_descent_mach=0.82, initial_descent_rod_fpm=1000,
        descent_ias_kt=300, descent_rod_fpm=3000,
        approach_ias_kt=250, approach_rod_fpm=1500, min_clean_kt=210,
        vat_kt=137, landing_distance_m=1800, typical_fl=370, min_route_km=700,
    ),
    # APD, ICAO=B77W (Boeing 777-300ER).
    "B77W": Performance(
        icao_type="B77W", category="A5", mtow_kg=351_500, v2_kt=165, takeoff_distance_m=3000,
        initial_climb_ias_kt=190, initial_climb_roc_fpm=2000,
        climb_fl150_ias_kt=290, climb_fl150_roc_fpm=2000,
        climb_fl240_ias_kt=310, climb_fl240_roc_fpm=1500,
        mach_climb=0.84, mach_climb_roc_fpm=1000,
        cruise_tas_kt=490, cruise_mach=0.84, ceiling_fl=431, range_nm=7900,
        initial_descent_mach=0.84, initial_descent_rod_fpm=1000,
        descent_ias_kt=310, descent_rod_fpm=2000,
        approach_ias_kt=250, approach_rod_fpm=1500, min_clean_kt=210,
        vat_kt=149, landing_distance_m=1900, typical_fl=350, min_route_km=1500,
    ),
}  # fmt: skip


def performance(icao_type: str) -> Performance:
    """The table entry for ``icao_type`` (KeyError when unknown)."""
    return TYPES[icao_type]
