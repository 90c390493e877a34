-- The review layer as points (zoom >= 14): current versions proposed or active, valid on
-- %(today)s, with their status; proposals have no code yet. Never cached in common.
WITH env AS (
    SELECT ST_TileEnvelope(%(z)s::int, %(x)s::int, %(y)s::int) AS tile,
           ST_Transform(ST_TileEnvelope(%(z)s::int, %(x)s::int, %(y)s::int,
                                        margin => %(margin)s::float8), 4326) AS probe
)
SELECT ST_AsMVT(t, 'review', 4096, 'geom', 'id') AS mvt, NULL::date AS fresh_until FROM (
    SELECT v.place_id AS id, to_char(v.code, 'FM0000 0000 0000') AS code,
           v.house_number, v.street_name AS street, v.kind, v.status,
           ST_AsMVTGeom(ST_Transform(v.location, 3857), env.tile, 4096, 64, true) AS geom
    FROM place_version v, env
    WHERE upper_inf(v.recorded) AND v.location && env.probe
      AND v.status IN ('proposed', 'active') AND v.valid @> %(today)s::date
      AND (%(units)s::boolean OR v.kind <> 'unit')
    ORDER BY v.status = 'active', v.kind = 'unit', v.code, v.place_id
    LIMIT %(cap)s::int
) t
