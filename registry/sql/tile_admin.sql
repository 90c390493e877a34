-- Administrative units in force on %(at)s, levels %(levels)s, from the generalised
-- boundaries of band %(band)s (``tile_admin_shape``); at most %(cap)s, provinces first.
-- With %(current)s, also the first day after %(at)s on which a unit in reach starts or
-- ends (NULL: none), when the tile of "today" must be drawn again.
WITH env AS (
    SELECT ST_TileEnvelope(%(z)s::int, %(x)s::int, %(y)s::int) AS tile,
           ST_TileEnvelope(%(z)s::int, %(x)s::int, %(y)s::int,
                           margin => %(margin)s::float8) AS reach
), shapes AS MATERIALIZED (
    SELECT s.code, s.name, s.level, s.valid, s.geom
    FROM tile_admin_shape s, env
    WHERE s.band = %(band)s::smallint AND s.geom && env.reach
      AND s.level = ANY (%(levels)s::text[])
)
SELECT (
    SELECT ST_AsMVT(t, 'admin', 4096, 'geom') FROM (
        SELECT s.code, s.name, s.level,
               ST_AsMVTGeom(s.geom, env.tile, 4096, 64, true) AS geom
        FROM shapes s, env
        WHERE s.valid @> %(at)s::date
        ORDER BY array_position(ARRAY['province', 'district', 'commune'], s.level), s.code
        LIMIT %(cap)s::int
    ) t
) AS mvt, (
    SELECT CASE WHEN %(current)s::boolean THEN
               least(min(lower(valid)) FILTER (WHERE lower(valid) > %(at)s::date),
                     min(upper(valid)) FILTER (WHERE upper(valid) > %(at)s::date))
           END
    FROM shapes
) AS fresh_until
