-- Public places as points (zoom >= 14): the current versions, active, valid on %(today)s.
-- Units (flats, kiosks…) only when %(units)s; at most %(cap)s features, buildings and
-- entrances first, then by code (random, so a full tile keeps an even sample).
-- Returns the tile and the first day after %(today)s on which a version in reach starts or
-- ends (NULL: none), when the tile must be drawn again.
WITH env AS (
    SELECT ST_TileEnvelope(%(z)s::int, %(x)s::int, %(y)s::int) AS tile,
           ST_Transform(ST_TileEnvelope(%(z)s::int, %(x)s::int, %(y)s::int,
                                        margin => %(margin)s::float8), 4326) AS probe
), reach AS MATERIALIZED (
    SELECT v.place_id, v.code, v.house_number, v.street_name, v.kind, v.location, v.valid
    FROM place_version v, env
    WHERE upper_inf(v.recorded) AND v.location && env.probe AND v.status = 'active'
      AND (upper_inf(v.valid) OR upper(v.valid) > %(today)s::date)
      AND (%(units)s::boolean OR v.kind <> 'unit')
)
SELECT (
    SELECT ST_AsMVT(t, 'places', 4096, 'geom', 'id') FROM (
        SELECT r.place_id AS id, to_char(r.code, 'FM0000 0000 0000') AS code,
               r.house_number, r.street_name AS street, r.kind,
               ST_AsMVTGeom(ST_Transform(r.location, 3857), env.tile, 4096, 64, true) AS geom
        FROM reach r, env
        WHERE r.valid @> %(today)s::date
        ORDER BY r.kind = 'unit', r.code
        LIMIT %(cap)s::int
    ) t
) AS mvt, (
    SELECT least(min(lower(valid)) FILTER (WHERE lower(valid) > %(today)s::date),
                 min(upper(valid)))
    FROM reach
) AS fresh_until
