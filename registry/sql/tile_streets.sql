-- Streets drawn at the zoom: classes %(classes)s (in priority order), or every class when
-- %(all_classes)s; simplified to %(tolerance)s metres (0: only to the tile grid); at most
-- %(cap)s, by class, then longest first.
WITH env AS (
    SELECT ST_TileEnvelope(%(z)s::int, %(x)s::int, %(y)s::int) AS tile,
           ST_Transform(ST_TileEnvelope(%(z)s::int, %(x)s::int, %(y)s::int,
                                        margin => %(margin)s::float8), 4326) AS probe
)
SELECT ST_AsMVT(t, 'streets', 4096, 'geom') AS mvt, NULL::date AS fresh_until FROM (
    SELECT s.name, s.highway AS class,
           ST_AsMVTGeom(ST_Simplify(ST_Transform(s.geom, 3857), %(tolerance)s::float8),
                        env.tile, 4096, 64, true) AS geom
    FROM street s, env
    WHERE s.geom && env.probe
      AND (%(all_classes)s::boolean OR s.highway = ANY (%(classes)s::text[]))
    ORDER BY coalesce(array_position(%(classes)s::text[], s.highway), 1000),
             ST_Length(s.geom) DESC, s.id
    LIMIT %(cap)s::int
) t
