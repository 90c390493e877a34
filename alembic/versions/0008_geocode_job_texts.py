"""Batch jobs geocode each distinct text once: ``geocode_job_text``.

A job's rows often repeat a text (the bench file: 100,000 rows, 78,359 distinct texts), and
a text's answer depends only on the text and the job's date. Workers used to claim rows,
so a repeated text was geocoded once per worker process that met it and its answer (about
1 kB of ``jsonb``) written to every row.

``geocode_job_text`` holds one row per distinct query text of a job (numbered in the
order the texts first appear): the input of its first row (what is geocoded), how many
rows hold it (what its answer adds to the job's ``done``) and, once answered, ``result``
and ``error``. ``geocode_job_row.text_no`` points to it; a row that could not be read has
no text and keeps its own ``result`` (the reason), so a row has exactly one of the two.
``text_no`` is not a declarative foreign key: rows and texts are written together, by one
statement each, when the job is created, and deleted only with their job (each cascades from
``geocode_job``); a foreign key would need an index of rows by text (written for nothing
else) and fire one check per row, and its cascade one delete per text.
Workers claim pending texts (``result IS NULL``) with ``FOR UPDATE SKIP LOCKED``; progress
and downloads join rows to their texts.

Upgrade: jobs still open keep going: each pending row becomes a text of its own (text
number = row number). The partial index of pending rows goes (rows are no longer claimed);
one of pending texts replaces it.

Downgrade: answered texts are copied back to their rows (pending ones leave their rows
pending, which is what the old workers claim), then the column and the table go and the
index of pending rows comes back.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


UPGRADE = """
CREATE TABLE geocode_job_text (
    job_id uuid NOT NULL CONSTRAINT fk_geocode_job_text_job_id_geocode_job
        REFERENCES geocode_job (id) ON DELETE CASCADE,
    text_no integer NOT NULL,
    input jsonb NOT NULL,
    rows integer NOT NULL CONSTRAINT ck_geocode_job_text_rows CHECK (rows > 0),
    result jsonb,
    error text,
    CONSTRAINT pk_geocode_job_text PRIMARY KEY (job_id, text_no)
);
COMMENT ON TABLE geocode_job_text
    IS 'one distinct query text of a batch job; result is null until a worker answers it';
COMMENT ON COLUMN geocode_job_text.input IS 'the input of the first row holding the text';
COMMENT ON COLUMN geocode_job_text.rows IS 'how many rows of the job hold the text';
CREATE INDEX ix_geocode_job_text_pending ON geocode_job_text (job_id, text_no)
    WHERE result IS NULL;

INSERT INTO geocode_job_text (job_id, text_no, input, rows)
SELECT job_id, row_no, input, 1 FROM geocode_job_row WHERE result IS NULL;

ALTER TABLE geocode_job_row ADD COLUMN text_no integer;
UPDATE geocode_job_row SET text_no = row_no WHERE result IS NULL;
ALTER TABLE geocode_job_row
    ADD CONSTRAINT ck_geocode_job_row_answer CHECK ((text_no IS NULL) <> (result IS NULL));
COMMENT ON COLUMN geocode_job_row.text_no
    IS 'the row''s text in geocode_job_text; null for a row that could not be read';
DROP INDEX ix_geocode_job_row_pending;
"""

DOWNGRADE = """
ALTER TABLE geocode_job_row DROP CONSTRAINT ck_geocode_job_row_answer;
UPDATE geocode_job_row r SET result = t.result, error = t.error
FROM geocode_job_text t
WHERE t.job_id = r.job_id AND t.text_no = r.text_no AND t.result IS NOT NULL;
ALTER TABLE geocode_job_row DROP COLUMN text_no;
DROP TABLE geocode_job_text;
CREATE INDEX ix_geocode_job_row_pending ON geocode_job_row (job_id, row_no)
    WHERE result IS NULL;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
