"""The ICAO Standard Atmosphere and airspeed conversions at pressure altitude.

Used by the simulator (performance figures) and by the analysis (true
airspeed from Mach or IAS when an aircraft reports no TAS).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from skywitness.model.units import KT_PER_MPS, M_PER_FT, MPS_PER_KT

Float = NDArray[np.float64]

# -- ISA (ICAO Doc 7488/3, Manual of the ICAO Standard Atmosphere) -------------

#: Sea-level temperature, K.
ISA_T0_K = 288.15
#: Sea-level pressure, Pa.
ISA_P0_PA = 101_325.0
#: Temperature lapse rate in the troposphere, K/m.
ISA_LAPSE_K_PER_M = 0.0065
#: Geopotential altitude of the tropopause, m.
ISA_TROPOPAUSE_M = 11_000.0
#: Specific gas constant of dry air, J/(kg K).
ISA_R = 287.05287
#: Standard gravity, m/s2.
ISA_G0 = 9.80665
#: Ratio of specific heats of air.
ISA_GAMMA = 1.4
#: Temperature at and above the tropopause, K (constant up to 20 km).
ISA_T_TROPOPAUSE_K = ISA_T0_K - ISA_LAPSE_K_PER_M * ISA_TROPOPAUSE_M
#: Pressure at the tropopause, Pa (from the tropospheric formula).
ISA_P_TROPOPAUSE_PA = ISA_P0_PA * (ISA_T_TROPOPAUSE_K / ISA_T0_K) ** (
    ISA_G0 / (ISA_LAPSE_K_PER_M * ISA_R)
)
#: Speed of sound at sea level, m/s.
ISA_A0_MPS = float(np.sqrt(ISA_GAMMA * ISA_R * ISA_T0_K))


def isa_temperature_k(alt_ft: ArrayLike) -> Float:
    """ISA temperature at pressure altitude ``alt_ft``, K."""
    h = np.asarray(alt_ft, dtype=np.float64) * M_PER_FT
    return np.asarray(np.maximum(ISA_T0_K - ISA_LAPSE_K_PER_M * h, ISA_T_TROPOPAUSE_K))


def isa_pressure_pa(alt_ft: ArrayLike) -> Float:
    """ISA static pressure at pressure altitude ``alt_ft``, Pa."""
    h = np.asarray(alt_ft, dtype=np.float64) * M_PER_FT
    t = ISA_T0_K - ISA_LAPSE_K_PER_M * np.minimum(h, ISA_TROPOPAUSE_M)
    below = ISA_P0_PA * (t / ISA_T0_K) ** (ISA_G0 / (ISA_LAPSE_K_PER_M * ISA_R))
    above = ISA_P_TROPOPAUSE_PA * np.exp(
        -ISA_G0 * (h - ISA_TROPOPAUSE_M) / (ISA_R * ISA_T_TROPOPAUSE_K)
    )
    return np.asarray(np.where(h <= ISA_TROPOPAUSE_M, below, above))


def isa_density(alt_ft: ArrayLike) -> Float:
    """ISA air density at pressure altitude ``alt_ft``, kg/m3."""
    return np.asarray(isa_pressure_pa(alt_ft) / (ISA_R * isa_temperature_k(alt_ft)))


def speed_of_sound_kt(alt_ft: ArrayLike) -> Float:
    """ISA speed of sound at pressure altitude ``alt_ft``, kt."""
    return np.asarray(np.sqrt(ISA_GAMMA * ISA_R * isa_temperature_k(alt_ft)) * KT_PER_MPS)


def mach_to_tas_kt(mach: ArrayLike, alt_ft: ArrayLike) -> Float:
    return np.asarray(np.asarray(mach, dtype=np.float64) * speed_of_sound_kt(alt_ft))


def tas_to_mach(tas_kt: ArrayLike, alt_ft: ArrayLike) -> Float:
    return np.asarray(np.asarray(tas_kt, dtype=np.float64) / speed_of_sound_kt(alt_ft))


def cas_to_tas_kt(cas_kt: ArrayLike, alt_ft: ArrayLike) -> Float:
    """Calibrated to true airspeed (compressible, subsonic: St Venant's formula)."""
    cas = np.asarray(cas_kt, dtype=np.float64) * MPS_PER_KT
    qc = ISA_P0_PA * ((1.0 + 0.2 * (cas / ISA_A0_MPS) ** 2) ** 3.5 - 1.0)
    mach = np.sqrt(5.0 * ((qc / isa_pressure_pa(alt_ft) + 1.0) ** (2.0 / 7.0) - 1.0))
    return mach_to_tas_kt(mach, alt_ft)


def tas_to_cas_kt(tas_kt: ArrayLike, alt_ft: ArrayLike) -> Float:
    """True to calibrated airspeed (inverse of :func:`cas_to_tas_kt`)."""
    mach = tas_to_mach(tas_kt, alt_ft)
    qc = isa_pressure_pa(alt_ft) * ((1.0 + 0.2 * mach**2) ** 3.5 - 1.0)
    cas = ISA_A0_MPS * np.sqrt(5.0 * ((qc / ISA_P0_PA + 1.0) ** (2.0 / 7.0) - 1.0))
    return np.asarray(cas * KT_PER_MPS)
