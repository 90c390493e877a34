"""Batch geocoding jobs (``geocode_job``, ``geocode_job_row``) and the autocomplete index
(``search_entry``: current active places with a code, streets, current admin units; a folded
text, a prefix-searchable tsvector, a trigram index and a point), kept up to date by
statement-level triggers on ``place_version``, ``street`` and ``admin_unit``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


UPGRADE = """
-- A batch of addresses to geocode, owned by the API key that sent it. ``options`` holds the
-- input format, the address column or the structured columns, the id column and ``at``.
CREATE TABLE geocode_job (
    id uuid CONSTRAINT pk_geocode_job PRIMARY KEY DEFAULT gen_random_uuid(),
    api_key_id bigint CONSTRAINT fk_geocode_job_api_key_id_api_key REFERENCES api_key (id),
    status text NOT NULL DEFAULT 'queued' CONSTRAINT ck_geocode_job_status
        CHECK (status IN ('queued', 'running', 'done', 'failed')),
    total integer NOT NULL CONSTRAINT ck_geocode_job_total CHECK (total >= 0),
    done integer NOT NULL DEFAULT 0,
    failed integer NOT NULL DEFAULT 0,
    options jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz,
    error text,
    CONSTRAINT ck_geocode_job_done CHECK (done BETWEEN 0 AND total)
);
CREATE INDEX ix_geocode_job_open ON geocode_job (created_at)
    WHERE status IN ('queued', 'running');
CREATE INDEX ix_geocode_job_api_key_id ON geocode_job (api_key_id);

-- One input row: ``result`` is null until a worker has geocoded it, and is written in the
-- same transaction that counts it done (a crash redoes the chunk, never a row twice).
-- ``error`` is set for a row that could not be read (the job goes on).
CREATE TABLE geocode_job_row (
    job_id uuid NOT NULL CONSTRAINT fk_geocode_job_row_job_id_geocode_job
        REFERENCES geocode_job (id) ON DELETE CASCADE,
    row_no integer NOT NULL,
    row_id text NOT NULL,
    input jsonb NOT NULL,
    result jsonb,
    error text,
    CONSTRAINT pk_geocode_job_row PRIMARY KEY (job_id, row_no)
);
CREATE INDEX ix_geocode_job_row_pending ON geocode_job_row (job_id, row_no)
    WHERE result IS NULL;

-- The folding of geo.text.fold, in SQL: diacritics dropped (unaccent's rules cover every
-- Vietnamese letter, precomposed or with combining marks; đ to d), lower case, every run of
-- characters other than a-z and 0-9 one space. unaccent is a dictionary lookup, ten times
-- faster than translate() over a list of letters.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE FUNCTION search_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT btrim(regexp_replace(
        lower(public.unaccent('public.unaccent'::regdictionary, t)), '[^a-z0-9]+', ' ', 'g'))
$$;

-- What /autocomplete suggests: a place (active, with a code, its current version), a street
-- (one entry per name and commune) or an admin unit in force today.
CREATE TABLE search_entry (
    kind text NOT NULL CONSTRAINT ck_search_entry_kind
        CHECK (kind IN ('place', 'street', 'admin')),
    ref_id bigint NOT NULL,
    code bigint,
    unit_code text,
    label text NOT NULL,
    context text NOT NULL,
    folded text NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', folded)) STORED,
    label_folded text GENERATED ALWAYS AS (search_fold(label)) STORED,
    weight smallint NOT NULL,
    commune_unit_id bigint,
    province_unit_id bigint,
    location geometry(Point, 4326),
    CONSTRAINT pk_search_entry PRIMARY KEY (kind, ref_id)
);
COMMENT ON COLUMN search_entry.ref_id
    IS 'place.id, the smallest street.id of the name in the commune, or admin_unit.id';
COMMENT ON COLUMN search_entry.code IS 'the place''s digital address code';
COMMENT ON COLUMN search_entry.unit_code IS 'the admin unit''s GSO code';
-- (Its indexes are made by search_rebuild(), below.)

CREATE FUNCTION search_today() RETURNS date LANGUAGE sql STABLE AS $$
    SELECT (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
$$;

-- The entries of the given places, from their current versions (an upsert, so that two
-- transactions writing the same place never collide on the unique key).
CREATE FUNCTION search_refresh_places(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    WITH cur AS (
        SELECT v.place_id, v.code, e.label, e.context, v.commune_unit_id, v.province_unit_id,
               v.location
        FROM place_version v
        LEFT JOIN admin_unit c ON c.id = v.commune_unit_id
        LEFT JOIN admin_unit p ON p.id = v.province_unit_id
        CROSS JOIN LATERAL (
            SELECT concat_ws(' ', v.house_number, coalesce(v.street_name, v.hamlet)) AS label,
                   concat_ws(', ', CASE WHEN v.street_name IS NOT NULL THEN v.hamlet END,
                             c.name, p.name) AS context
        ) e
        WHERE v.place_id = ANY (ids) AND upper_inf(v.recorded) AND v.valid @> search_today()
          AND v.status = 'active' AND v.code IS NOT NULL
    ), gone AS (
        DELETE FROM search_entry s WHERE s.kind = 'place' AND s.ref_id = ANY (ids)
            AND NOT EXISTS (SELECT FROM cur WHERE cur.place_id = s.ref_id)
    )
    INSERT INTO search_entry (kind, ref_id, code, label, context, folded, weight,
                              commune_unit_id, province_unit_id, location)
    SELECT 'place', place_id, code, label, context, search_fold(label || ' ' || context), 4,
           commune_unit_id, province_unit_id, location
    FROM cur
    ON CONFLICT (kind, ref_id) DO UPDATE SET
        code = EXCLUDED.code, label = EXCLUDED.label, context = EXCLUDED.context,
        folded = EXCLUDED.folded, commune_unit_id = EXCLUDED.commune_unit_id,
        province_unit_id = EXCLUDED.province_unit_id, location = EXCLUDED.location;
$$;

-- The entries of the given street names: one per name and commune of the street's middle.
CREATE FUNCTION search_refresh_streets(names text[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM search_entry WHERE kind = 'street' AND label = ANY (names);
    INSERT INTO search_entry (kind, ref_id, label, context, folded, weight,
                              commune_unit_id, province_unit_id, location)
    SELECT 'street', min(s.id), s.name, concat_ws(', ', c.name, p.name),
           search_fold(s.name || ' ' || concat_ws(' ', c.name, p.name)), 3,
           c.id, p.id, ST_PointOnSurface(ST_Collect(s.geom))
    FROM street s
    CROSS JOIN LATERAL (
        SELECT u.id, u.name, u.parent_code FROM admin_unit_part ap
        JOIN admin_unit u ON u.id = ap.unit_id
        WHERE ap.level = 'commune' AND ap.valid @> search_today()
          AND ST_Intersects(ap.geom, ST_PointOnSurface(s.geom))
        LIMIT 1
    ) c
    LEFT JOIN admin_unit p ON p.level = 'province' AND p.code = c.parent_code
        AND p.valid @> search_today()
    WHERE s.name = ANY (names)
    GROUP BY s.name, c.id, c.name, p.id, p.name;
$$;

-- Every admin unit in force today, found by its name, its keys and its province's name.
CREATE FUNCTION search_refresh_admin() RETURNS void LANGUAGE sql AS $$
    DELETE FROM search_entry WHERE kind = 'admin';
    INSERT INTO search_entry (kind, ref_id, unit_code, label, context, folded, weight,
                              commune_unit_id, province_unit_id, location)
    SELECT 'admin', u.id, u.code, u.name, coalesce(p.name, ''),
           concat_ws(' ', search_fold(u.name),
                     (SELECT string_agg(DISTINCT k.key, ' ') FROM admin_unit_key k
                      WHERE k.unit_id = u.id AND k.alias_id IS NULL),
                     search_fold(p.name)),
           CASE u.level WHEN 'province' THEN 1 WHEN 'district' THEN 2 ELSE 2 END,
           CASE WHEN u.level = 'commune' THEN u.id END,
           coalesce(p.id, CASE WHEN u.level = 'province' THEN u.id END),
           ST_PointOnSurface(u.boundary)
    FROM admin_unit u
    LEFT JOIN admin_unit p ON u.level <> 'province' AND p.level = 'province'
        AND p.code = u.parent_code AND p.valid @> search_today()
    WHERE u.valid @> search_today();
$$;

-- A bulk load may turn the triggers off for its transaction (SET LOCAL diachi.search_sync =
-- 'off') and call search_rebuild() at the end: rebuilding the indexes at once is about four
-- times faster than maintaining them row by row.
CREATE FUNCTION search_sync() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('diachi.search_sync', true), '') <> 'off'
$$;

CREATE FUNCTION search_entry_places_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT search_sync() THEN
        RETURN NULL;
    END IF;
    PERFORM search_refresh_places(ARRAY(SELECT DISTINCT place_id FROM changed));
    RETURN NULL;
END;
$$;
CREATE TRIGGER search_entry_place_version_insert AFTER INSERT ON place_version
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION search_entry_places_changed();
CREATE TRIGGER search_entry_place_version_update AFTER UPDATE ON place_version
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION search_entry_places_changed();

CREATE FUNCTION search_entry_streets_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT search_sync() THEN
        RETURN NULL;
    END IF;
    PERFORM search_refresh_streets(ARRAY(SELECT DISTINCT name FROM changed));
    RETURN NULL;
END;
$$;
CREATE TRIGGER search_entry_street_insert AFTER INSERT ON street
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION search_entry_streets_changed();
CREATE TRIGGER search_entry_street_update_new AFTER UPDATE ON street
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION search_entry_streets_changed();
CREATE TRIGGER search_entry_street_update_old AFTER UPDATE ON street
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION search_entry_streets_changed();
CREATE TRIGGER search_entry_street_delete AFTER DELETE ON street
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION search_entry_streets_changed();

CREATE FUNCTION search_entry_admin_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT search_sync() THEN
        RETURN NULL;
    END IF;
    PERFORM search_refresh_admin();
    RETURN NULL;
END;
$$;
CREATE TRIGGER search_entry_admin_unit AFTER INSERT OR UPDATE OR DELETE ON admin_unit
    FOR EACH STATEMENT EXECUTE FUNCTION search_entry_admin_changed();
CREATE TRIGGER search_entry_admin_unit_key AFTER INSERT OR DELETE ON admin_unit_key
    FOR EACH STATEMENT EXECUTE FUNCTION search_entry_admin_changed();

-- Everything, from scratch, indexes included: after a bulk load with the triggers off, or
-- on a day when versions dated in the future came into force (``diachi autocomplete
-- refresh``), and once here. Prefix matches of frequent words are read in the order of the
-- location (near a point) or of the rank (units, then streets, then places; shorter labels
-- first) and filtered; rare ones through the tsvector index; a text that starts as a label
-- does ("12 vo van t…") through the label's prefix. No trigram index: the typo
-- fallback runs on a bounded set of rows.
CREATE FUNCTION search_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE search_entry IN ACCESS EXCLUSIVE MODE;
    DROP INDEX IF EXISTS ix_search_entry_tsv;
    DROP INDEX IF EXISTS ix_search_entry_location;
    DROP INDEX IF EXISTS ix_search_entry_rank;
    DROP INDEX IF EXISTS ix_search_entry_label;
    TRUNCATE search_entry;
    PERFORM search_refresh_admin();
    PERFORM search_refresh_streets(ARRAY(SELECT DISTINCT name FROM street));
    PERFORM search_refresh_places(ARRAY(SELECT place_id FROM place_version
                                        WHERE upper_inf(recorded) AND status = 'active'));
    CREATE INDEX ix_search_entry_tsv ON search_entry USING gin (tsv);
    CREATE INDEX ix_search_entry_location ON search_entry USING gist (location);
    CREATE INDEX ix_search_entry_rank ON search_entry (weight, char_length(label));
    CREATE INDEX ix_search_entry_label ON search_entry (label_folded text_pattern_ops);
    ANALYZE search_entry;
END;
$$;
SELECT search_rebuild();
"""

DOWNGRADE = """
DROP TRIGGER search_entry_admin_unit_key ON admin_unit_key;
DROP TRIGGER search_entry_admin_unit ON admin_unit;
DROP TRIGGER search_entry_street_delete ON street;
DROP TRIGGER search_entry_street_update_old ON street;
DROP TRIGGER search_entry_street_update_new ON street;
DROP TRIGGER search_entry_street_insert ON street;
DROP TRIGGER search_entry_place_version_update ON place_version;
DROP TRIGGER search_entry_place_version_insert ON place_version;
DROP FUNCTION search_rebuild();
DROP FUNCTION search_entry_admin_changed();
DROP FUNCTION search_entry_streets_changed();
DROP FUNCTION search_entry_places_changed();
DROP FUNCTION search_sync();
DROP FUNCTION search_refresh_admin();
DROP FUNCTION search_refresh_streets(text[]);
DROP FUNCTION search_refresh_places(bigint[]);
DROP FUNCTION search_today();
DROP TABLE search_entry;
DROP FUNCTION search_fold(text);
DROP EXTENSION IF EXISTS unaccent;
DROP TABLE geocode_job_row;
DROP TABLE geocode_job;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
