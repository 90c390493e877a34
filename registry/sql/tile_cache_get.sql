-- A tile from the shared cache, unless it is stale: past its ``fresh_until``, or touched
-- by a write (a ``tile_dirty`` envelope of its layer within its buffered bounds) that the
-- snapshot it was drawn in did not see. Every write the reader's snapshot sees is either
-- still in ``tile_dirty`` or already drained together with the tiles it made stale.
SELECT c.data, c.etag, c.fresh_until
FROM tile_cache c
WHERE c.layer = %(layer)s AND c.variant = %(variant)s
  AND c.z = %(z)s::smallint AND c.x = %(x)s::int AND c.y = %(y)s::int
  AND (c.fresh_until IS NULL OR c.fresh_until > %(today)s::date)
  AND NOT EXISTS (
      SELECT FROM tile_dirty d
      WHERE d.env && c.env AND c.layer = ANY (d.layers)
        AND NOT pg_visible_in_snapshot(d.xid, c.snap))
