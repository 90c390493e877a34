-- Drop the cached tiles that writes made stale, and the writes' records once no drawing
-- from before them can still be kept (5 minutes after they were first seen committed;
-- ``tile_cache_put.sql`` keeps nothing drawn more than 60 s earlier). One drainer at a
-- time; the others skip.
DO $$
BEGIN
    IF NOT pg_try_advisory_xact_lock(7346202) THEN
        RETURN;
    END IF;
    UPDATE tile_dirty SET seen_committed_at = now() WHERE seen_committed_at IS NULL;
    DELETE FROM tile_cache c USING tile_dirty d
    WHERE d.env && c.env AND c.layer = ANY (d.layers)
      AND NOT pg_visible_in_snapshot(d.xid, c.snap);
    DELETE FROM tile_dirty WHERE seen_committed_at < now() - interval '5 minutes';
    DELETE FROM tile_cache
    WHERE fresh_until <= (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date;
END
$$
