-- A place by code as of (valid day, record time) in its public JSON form, in one
-- statement: the hot path of GET /places/{code}. Keys and values match
-- web.schemas_places.PlaceOut (tests/web/test_places.py compares the two).
-- :code bigint, :at date, :known timestamptz (NULL = as known now).
WITH p AS (
    SELECT place_id FROM code_issuance WHERE code = :code AND place_id IS NOT NULL
), v AS (
    SELECT v.* FROM place_version v JOIN p ON p.place_id = v.place_id
    WHERE v.valid @> CAST(:at AS date)
      AND CASE WHEN CAST(:known AS timestamptz) IS NULL THEN upper_inf(v.recorded)
               ELSE v.recorded @> CAST(:known AS timestamptz) END
    LIMIT 1
)
SELECT json_build_object(
    'id', v.place_id,
    'code', CASE WHEN v.code IS NULL THEN NULL ELSE regexp_replace(
        lpad(v.code::text, 12, '0'), '^(\d{4})(\d{4})(\d{4})$', '\1 \2 \3') END,
    'status', v.status,
    'kind', v.kind,
    'unit_kind', v.unit_kind,
    'parent', v.parent_place_id,
    'house_number', v.house_number,
    'house_number_parts', v.house_number_parts,
    'street', v.street_name,
    'street_id', v.street_id,
    'hamlet', v.hamlet,
    'lon', round(ST_X(v.location)::numeric, 7),
    'lat', round(ST_Y(v.location)::numeric, 7),
    'accuracy_m', v.accuracy_m,
    'location_method', v.location_method,
    'physical_state', v.physical_state,
    'commune', CASE WHEN cu.id IS NULL THEN NULL
               ELSE json_build_object('code', cu.code, 'name', cu.name) END,
    'province', CASE WHEN pu.id IS NULL THEN NULL
                ELSE json_build_object('code', pu.code, 'name', pu.name) END,
    'postcode', v.postcode,
    'vnpost_code', v.vnpost_code,
    'parcel', json_build_object('sheet', v.parcel_sheet, 'number', v.parcel_number),
    'osm_id', v.osm_id,
    'plus_code', v.plus_code,
    'source', v.source,
    'valid_from', lower(v.valid),
    'valid_to', upper(v.valid),
    'recorded_from', lower(v.recorded),
    'recorded_to', upper(v.recorded),
    'version', v.id,
    'change', v.change,
    'retire_reason', v.retire_reason,
    'successors', coalesce((
        SELECT json_agg(json_build_object('code', regexp_replace(
            lpad(c.code::text, 12, '0'), '^(\d{4})(\d{4})(\d{4})$', '\1 \2 \3'),
            'kind', l.kind) ORDER BY c.code)
        FROM place_lineage l LEFT JOIN code_issuance c ON c.place_id = l.to_place_id
        WHERE l.from_place_id = v.place_id), '[]'::json),
    'predecessors', coalesce((
        SELECT json_agg(json_build_object('code', regexp_replace(
            lpad(c.code::text, 12, '0'), '^(\d{4})(\d{4})(\d{4})$', '\1 \2 \3'),
            'kind', l.kind) ORDER BY c.code)
        FROM place_lineage l LEFT JOIN code_issuance c ON c.place_id = l.from_place_id
        WHERE l.to_place_id = v.place_id), '[]'::json)
)::text
FROM v
LEFT JOIN admin_unit cu ON cu.id = v.commune_unit_id
LEFT JOIN admin_unit pu ON pu.id = v.province_unit_id
