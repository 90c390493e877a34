-- Keep a drawn tile with the snapshot it was drawn in. A drawing older than 60 s is not
-- kept: writes are drained from ``tile_dirty`` 5 minutes after they were first seen
-- committed, and a tile drawn before such a write must not outlive its record.
INSERT INTO tile_cache AS c (layer, variant, z, x, y, env, data, etag, snap, fresh_until)
SELECT %(layer)s, %(variant)s, %(z)s::smallint, %(x)s::int, %(y)s::int,
       ST_TileEnvelope(%(z)s::int, %(x)s::int, %(y)s::int, margin => %(margin)s::float8),
       %(data)s::bytea, %(etag)s, %(snapshot)s::pg_snapshot, %(fresh_until)s::date
WHERE clock_timestamp() < %(drawn_at)s::timestamptz + interval '60 seconds'
ON CONFLICT (layer, variant, z, x, y) DO UPDATE
    SET env = excluded.env, data = excluded.data, etag = excluded.etag, snap = excluded.snap,
        fresh_until = excluded.fresh_until, created_at = now()
