"""Open Location Code (Plus Code) encoding, 10 digits (a cell of about 14 × 14 m).

Integer arithmetic over 1/8000-degree steps, as in the reference
implementations, so results do not depend on floating-point rounding.
"""

from __future__ import annotations

import math

ALPHABET = "23456789CFGHJMPQRVWX"
BASE = 20
PAIRS = 5
STEPS_PER_DEGREE = 8000  # 20**4 / 20: the resolution of the 5th pair is 1/8000 degree


def encode(lon: float, lat: float) -> str:
    """The 10-digit Plus Code of (lon, lat) in EPSG:4326 degrees.

    >>> encode(105.8342, 21.0278)   # Hà Nội, Hồ Hoàn Kiếm area
    '7PH72RHM+4M'
    >>> encode(106.68957, 10.784813)
    '7P28QMMQ+WR'
    """
    lat = min(max(lat, -90.0), 90.0)
    lon = ((lon + 180.0) % 360.0) - 180.0
    lat_steps = min(math.floor((lat + 90.0) * STEPS_PER_DEGREE), 180 * STEPS_PER_DEGREE - 1)
    lon_steps = math.floor((lon + 180.0) * STEPS_PER_DEGREE)
    digits: list[str] = []
    for _ in range(PAIRS):
        digits.append(ALPHABET[lon_steps % BASE])
        digits.append(ALPHABET[lat_steps % BASE])
        lat_steps //= BASE
        lon_steps //= BASE
    code = "".join(reversed(digits))
    return f"{code[:8]}+{code[8:]}"
