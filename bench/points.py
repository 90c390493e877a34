"""Reproducible random points on Vietnam's land, for the point-location benchmark."""

from __future__ import annotations

import hashlib
import random
from datetime import date

from sqlalchemy import Connection, text

Point = tuple[float, float]

_POLYGONS_SQL = """
SELECT u.code, d.path[1] AS part, ST_Area(d.geom::geography) AS area_m2
FROM admin_unit u CROSS JOIN LATERAL ST_Dump(u.boundary) AS d
WHERE u.level = 'commune' AND u.valid @> CAST(:at AS date) AND u.boundary IS NOT NULL
ORDER BY u.code, d.path[1]
"""

_GENERATE_SQL = """
SELECT ST_X(d.geom) AS lon, ST_Y(d.geom) AS lat
FROM unnest(CAST(:codes AS text[]), CAST(:parts AS int[]), CAST(:counts AS int[]),
            CAST(:seeds AS int[])) AS w(code, part, n, seed)
JOIN admin_unit u ON u.level = 'commune' AND u.code = w.code AND u.valid @> CAST(:at AS date)
CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(ST_GeometryN(u.boundary, w.part), w.n, w.seed)) AS d
ORDER BY w.code, w.part, d.path
"""


def allocate(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` into integer shares proportional to ``weights`` (largest remainder).

    >>> allocate(10, [1.0, 1.0, 2.0])
    [3, 2, 5]
    """
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    shares = [int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (shares[i] - exact[i], i))
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


def land_points(conn: Connection, n: int, seed: int, at: date) -> list[Point]:
    """``n`` (lon, lat) points in EPSG:4326, uniform over the communes in force on ``at``.

    Each polygon of each commune gets a share of ``n`` proportional to its area
    (m², on the spheroid) and PostGIS ``ST_GeneratePoints`` places that many
    points inside it, seeded from ``seed``. (Per polygon, because on a
    MultiPolygon it rounds each part's share down and returns fewer points.)
    The list is then shuffled with ``seed`` so that consecutive queries do not
    hit neighbouring index pages. Every point is inside a commune by
    construction. The same ``seed``, data and PostGIS/GEOS versions give the
    same points.
    """
    rows = conn.execute(text(_POLYGONS_SQL), {"at": at}).all()
    if not rows:
        raise RuntimeError(f"no commune boundaries in force on {at}: import the admin units")
    rng = random.Random(seed)
    counts = allocate(n, [float(r.area_m2) for r in rows])
    chosen = [
        (r.code, r.part, c, rng.randrange(1, 2**31 - 1)) for r, c in zip(rows, counts, strict=True)
    ]
    chosen = [c for c in chosen if c[2] > 0]
    generated = conn.execute(
        text(_GENERATE_SQL),
        {
            "codes": [c[0] for c in chosen],
            "parts": [c[1] for c in chosen],
            "counts": [c[2] for c in chosen],
            "seeds": [c[3] for c in chosen],
            "at": at,
        },
    ).all()
    if len(generated) != n:
        raise RuntimeError(f"PostGIS generated {len(generated)} points instead of {n}")
    points = [(float(r.lon), float(r.lat)) for r in generated]
    rng.shuffle(points)
    return points


def digest(points: list[Point]) -> str:
    """A short fingerprint of ``points`` (to check that two runs used the same ones)."""
    h = hashlib.sha256()
    for lon, lat in points:
        h.update(f"{lon:.9f},{lat:.9f};".encode())
    return h.hexdigest()[:16]
