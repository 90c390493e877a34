-- Building footprints (zoom >= 14), at most %(cap)s, largest first.
WITH env AS (
    SELECT ST_TileEnvelope(%(z)s::int, %(x)s::int, %(y)s::int) AS tile,
           ST_Transform(ST_TileEnvelope(%(z)s::int, %(x)s::int, %(y)s::int,
                                        margin => %(margin)s::float8), 4326) AS probe
)
SELECT ST_AsMVT(t, 'buildings', 4096, 'geom') AS mvt, NULL::date AS fresh_until FROM (
    SELECT b.name,
           ST_AsMVTGeom(ST_Transform(b.geom, 3857), env.tile, 4096, 64, true) AS geom
    FROM building b, env
    WHERE b.geom && env.probe
    ORDER BY ST_Area(b.geom) DESC, b.id
    LIMIT %(cap)s::int
) t
