-- Public places counted per cell (zoom < 14): 32 x 32 cells a tile, each a point at the
-- centroid of its places with their number in ``count``; from ``tile_place_cell``, which
-- the triggers of migration 0005 keep (read by an index-only scan). The centroid goes
-- straight to tile coordinates (0-4096, y down), as ST_AsMVTGeom would put it. Returns the
-- tile and the first day after %(today)s on which a count in the tile changes (NULL: none).
WITH reach AS MATERIALIZED (
    SELECT cell, lo, hi, n, sx, sy FROM tile_place_cell
    WHERE z = %(z)s::int AND x = %(x)s::int AND y = %(y)s::int AND hi > %(today)s::date
), k AS (
    SELECT 40075016.68557849 / (1 << %(z)s::int) AS size,
           -20037508.342789244 + %(x)s::int * (40075016.68557849 / (1 << %(z)s::int)) AS x0,
           20037508.342789244 - %(y)s::int * (40075016.68557849 / (1 << %(z)s::int)) AS y0
), cells AS (
    SELECT sum(n)::int AS count, sum(sx) / sum(n) AS mx, sum(sy) / sum(n) AS my
    FROM reach WHERE lo <= %(today)s::date
    GROUP BY cell HAVING sum(n) > 0
)
SELECT (
    SELECT ST_AsMVT(t, 'places', 4096, 'geom') FROM (
        SELECT c.count, ST_MakePoint(round((c.mx - k.x0) * 4096 / k.size),
                                     round((k.y0 - c.my) * 4096 / k.size)) AS geom
        FROM cells c, k
    ) t
) AS mvt, (
    SELECT nullif(least(min(lo) FILTER (WHERE lo > %(today)s::date), min(hi)),
                  'infinity'::date)
    FROM reach
) AS fresh_until
