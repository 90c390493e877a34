-- Counts that started before %(before)s and never end are folded into one row per cell
-- (lo = -infinity): the same count on %(before)s and every later day, and fewer rows for a
-- tile to read (one per approval date otherwise). Tiles are only drawn for today, so
-- nothing they show changes. Concurrent writes add to the rows again: counts stay right.
WITH moved AS (
    DELETE FROM tile_place_cell
    WHERE lo > '-infinity'::date AND lo < %(before)s::date AND hi = 'infinity'::date
    RETURNING z, x, y, cell, n, sx, sy
)
INSERT INTO tile_place_cell AS t (z, x, y, cell, lo, hi, n, sx, sy)
SELECT z, x, y, cell, '-infinity', 'infinity', sum(n), sum(sx), sum(sy)
FROM moved
GROUP BY z, x, y, cell
ON CONFLICT (z, x, y, cell, lo, hi) DO UPDATE
    SET n = t.n + excluded.n, sx = t.sx + excluded.sx, sy = t.sy + excluded.sy
