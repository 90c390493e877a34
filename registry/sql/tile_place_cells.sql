-- Public places counted per cell (zoom < 14): 32 x 32 cells a tile, each a point at the
-- centroid of its places with their number in ``count``; from ``tile_place_cell``, which
-- the triggers of migration 0005 keep. Returns the tile and the first day after %(today)s
-- on which a count in the tile changes (NULL: none).
WITH env AS (
    SELECT ST_TileEnvelope(%(z)s::int, %(x)s::int, %(y)s::int) AS tile
), reach AS MATERIALIZED (
    SELECT cell, lo, hi, n, sx, sy FROM tile_place_cell
    WHERE z = %(z)s::int AND x = %(x)s::int AND y = %(y)s::int AND hi > %(today)s::date
)
SELECT (
    SELECT ST_AsMVT(t, 'places', 4096, 'geom') FROM (
        SELECT sum(r.n)::int AS count,
               ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(sum(r.sx) / sum(r.n), sum(r.sy) / sum(r.n)),
                                       3857), env.tile, 4096, 0, false) AS geom
        FROM reach r, env
        WHERE r.lo <= %(today)s::date
        GROUP BY r.cell, env.tile
        HAVING sum(r.n) > 0
    ) t
) AS mvt, (
    SELECT nullif(least(min(lo) FILTER (WHERE lo > %(today)s::date), min(hi)),
                  'infinity'::date)
    FROM reach
) AS fresh_until
