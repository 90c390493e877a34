-- The review layer counted per cell (zoom < 14), proposed and active places, computed on
-- the fly (the review layer is private and never cached in common).
WITH env AS (
    SELECT ST_TileEnvelope(%(z)s::int, %(x)s::int, %(y)s::int) AS tile,
           ST_Transform(ST_TileEnvelope(%(z)s::int, %(x)s::int, %(y)s::int), 4326) AS probe,
           ST_XMin(ST_TileEnvelope(%(z)s::int, %(x)s::int, %(y)s::int)) AS x0,
           ST_YMax(ST_TileEnvelope(%(z)s::int, %(x)s::int, %(y)s::int)) AS y0,
           (ST_XMax(ST_TileEnvelope(%(z)s::int, %(x)s::int, %(y)s::int))
            - ST_XMin(ST_TileEnvelope(%(z)s::int, %(x)s::int, %(y)s::int))) / 32 AS cell
), p AS (
    SELECT ST_Transform(v.location, 3857) AS g
    FROM place_version v, env
    WHERE upper_inf(v.recorded) AND v.location && env.probe
      AND v.status IN ('proposed', 'active') AND v.valid @> %(today)s::date
)
SELECT ST_AsMVT(t, 'review', 4096, 'geom') AS mvt, NULL::date AS fresh_until FROM (
    SELECT count(*)::int AS count,
           ST_AsMVTGeom(ST_Centroid(ST_Collect(p.g)), env.tile, 4096, 0, false) AS geom
    FROM p, env
    WHERE ST_Intersects(p.g, env.tile)
    GROUP BY floor((ST_X(p.g) - env.x0) / env.cell), floor((env.y0 - ST_Y(p.g)) / env.cell),
             env.tile
) t
