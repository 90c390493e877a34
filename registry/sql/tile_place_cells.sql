-- Public places counted per cell (zoom < 14): 32 x 32 cells a tile, each a point at the
-- centroid of its places with their number in ``count``; from ``tile_place_cell``, which
-- the triggers of migration 0005 keep (read by an index-only scan). The centroid goes
-- straight to tile coordinates (0-4096, y down), as ST_AsMVTGeom would put it: %(x0)s and
-- %(y0)s are the tile's west and north edges (EPSG:3857), %(scale)s is 4096 / its side (as
-- parameters: a generic plan would compute them again for every cell). Returns the
-- tile and the first day after %(today)s on which a count in the tile changes (NULL: none).
WITH reach AS MATERIALIZED (
    SELECT cell, lo, hi, n, sx, sy FROM tile_place_cell
    WHERE z = %(z)s::int AND x = %(x)s::int AND y = %(y)s::int AND hi > %(today)s::date
), cells AS (
    SELECT sum(n)::int AS count, sum(sx) / sum(n) AS mx, sum(sy) / sum(n) AS my
    FROM reach WHERE lo <= %(today)s::date
    GROUP BY cell HAVING sum(n) > 0
)
SELECT (
    SELECT ST_AsMVT(t, 'places', 4096, 'geom') FROM (
        SELECT c.count, ST_MakePoint(round((c.mx - %(x0)s::float8) * %(scale)s::float8),
                                     round((%(y0)s::float8 - c.my) * %(scale)s::float8)) AS geom
        FROM cells c
    ) t
) AS mvt, (
    SELECT nullif(least(min(lo) FILTER (WHERE lo > %(today)s::date), min(hi)),
                  'infinity'::date)
    FROM reach
) AS fresh_until
