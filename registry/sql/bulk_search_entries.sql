-- The autocomplete entries of the places a bulk load wrote (change transaction :tx), as
-- search_refresh_places() (migration 0004) makes them, for a load run with
-- diachi.search_sync = 'off'. The places are new, so there is nothing to update or delete.
-- The folded text is folded per distinct label and per distinct context (a few thousand
-- for a province) and joined with a space: search_fold(label || ' ' || context) is the same
-- text, since folding goes character by character and a run of separators becomes one
-- space.
WITH cur AS MATERIALIZED (
    SELECT v.place_id, v.code,
           concat_ws(' ', v.house_number, coalesce(v.street_name, v.hamlet)) AS label,
           concat_ws(', ', CASE WHEN v.street_name IS NOT NULL THEN v.hamlet END,
                     c.name, p.name) AS context,
           v.commune_unit_id, v.province_unit_id, v.location
    FROM place_version v
    LEFT JOIN admin_unit c ON c.id = v.commune_unit_id
    LEFT JOIN admin_unit p ON p.id = v.province_unit_id
    WHERE v.tx_id = :tx AND upper_inf(v.recorded) AND v.valid @> search_today()
      AND v.status = 'active' AND v.code IS NOT NULL
), label AS (
    SELECT label, nullif(search_fold(label), '') AS folded FROM cur GROUP BY label
), context AS (
    SELECT context, nullif(search_fold(context), '') AS folded FROM cur GROUP BY context
)
INSERT INTO search_entry (kind, ref_id, code, label, context, folded, weight,
                          commune_unit_id, province_unit_id, location)
SELECT 'place', cur.place_id, cur.code, cur.label, cur.context,
       concat_ws(' ', label.folded, context.folded), 4,
       cur.commune_unit_id, cur.province_unit_id, cur.location
FROM cur
JOIN label ON label.label = cur.label
JOIN context ON context.context = cur.context
