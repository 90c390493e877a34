"""/geocode/batch: submit CSV or JSON lines, follow progress, download, resume after a crash."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, create_engine, text

from geo.geocode import batch
from geo.geocode.batch_input import BatchOptions, read_rows
from geo.geocode.forward import GeocodeResult
from registry.access import create_key
from registry.config import Settings
from registry.database import Database
from tests.web.factories import bearer, make_place
from tests.web.problems import assert_problem
from web.schemas_geocode import GeocodeOut
from web.schemas_geocode_batch import BatchJobOut, RowResultOut, render

ADDRESSES = [
    "Số 12/3A đường Võ Văn Tần, P. Xuân Hòa, TP.HCM",  # a registered place (made below)
    "phuong xuan hoa, thanh pho ho chi minh",
    "Phường Võ Thị Sáu, Quận 3, TP. Hồ Chí Minh",  # old names
    "Phường 4, Quận 3, Thành phố Hồ Chí Minh",  # split old commune: ambiguous
    "Phường Xuan Hoaa, Thành phố Hồ Chí Minh",  # a typo
    "Số 25, phố Liễu Giai, phường Ngọc Hà, Hà Nội",
    "zzqx không có gì",  # nothing matches
]


def _drain(database: Database, size: int = batch.CHUNK_SIZE) -> int:
    """Process every pending row in the test's transaction; the number of rows done."""
    total = 0
    while n := batch.process_chunk(database, render, size):
        total += n
    return total


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def _submit(client: TestClient, headers: dict[str, str], body: bytes, **params: str) -> Any:
    r = client.post("/geocode/batch", content=body, params=params, headers=headers)
    assert r.status_code == 202, r.text
    job = BatchJobOut.model_validate(r.json())
    assert r.headers["location"] == job.links.self
    return job


def _jsonl_results(client: TestClient, headers: dict[str, str], job_id: object) -> list[Any]:
    r = client.get(f"/geocode/batch/{job_id}/results", params={"format": "jsonl"}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/x-ndjson")
    return [RowResultOut.model_validate_json(line) for line in r.text.splitlines()]


def _single(client: TestClient, **params: str) -> dict[str, Any] | None:
    r = client.get("/geocode", params=params)
    assert r.status_code == 200, r.text
    out = GeocodeOut.model_validate(r.json())
    return out.candidates[0].model_dump() if out.candidates else None


def test_csv_batch_answers_each_row_as_geocode_does(
    client: TestClient, conn: Connection, database: Database
) -> None:
    field, review = bearer(conn, "field"), bearer(conn, "review")
    place = make_place(client, field, review, house_number="12/3A", street="Võ Văn Tần")
    body = _csv([["ref", "địa chỉ"], *[[f"R{i}", a] for i, a in enumerate(ADDRESSES)]])
    job = _submit(client, field, body, column="địa chỉ", id_column="ref")
    assert (job.status, job.total, job.done, job.failed) == ("queued", len(ADDRESSES), 0, 0)

    assert _drain(database) == len(ADDRESSES)
    r = client.get(f"/geocode/batch/{job.id}", headers=field)
    done = BatchJobOut.model_validate(r.json())
    assert (done.status, done.done, done.eta_seconds) == ("done", len(ADDRESSES), 0)
    assert done.finished_at is not None

    rows = _jsonl_results(client, field, job.id)
    assert [r.row_id for r in rows] == [f"R{i}" for i in range(len(ADDRESSES))]
    for address, row in zip(ADDRESSES, rows, strict=True):
        single = _single(client, q=address)
        assert (row.best.model_dump() if row.best else None) == single, address
        assert row.status == ("ok" if single else "no-match")
    assert rows[0].best is not None and rows[0].best.code == place["code"]
    assert rows[3].ambiguous is True


def test_csv_download_has_one_line_per_row_with_category_and_explain(
    client: TestClient, conn: Connection, database: Database
) -> None:
    field = bearer(conn, "field")
    job = _submit(client, field, _csv([["address"], *[[a] for a in ADDRESSES]]), column="address")
    _drain(database)
    r = client.get(f"/geocode/batch/{job.id}/results", headers=field)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(r.text)))
    assert list(lines[0]) == list(batch.CSV_COLUMNS)
    assert [line["row_id"] for line in lines] == [str(i) for i in range(1, len(ADDRESSES) + 1)]
    second = _single(client, q=ADDRESSES[1])
    assert second is not None
    assert lines[1]["category"] == second["category"]
    assert float(lines[1]["confidence"]) == second["confidence"]
    assert lines[1]["commune_code"] == "27139"
    assert lines[1]["explain"] == " | ".join(second["explain"])
    assert lines[-1]["status"] == "no-match"


def test_json_lines_with_structured_columns(
    client: TestClient, conn: Connection, database: Database
) -> None:
    field = bearer(conn, "field")
    records = [
        {"id": 7, "so": "25", "duong": "phố Liễu Giai", "phuong": "Ngọc Hà", "tinh": "Hà Nội"},
        {"id": 8, "phuong": "Xuân Hòa", "tinh": "TP.HCM"},
        {"id": 9, "phuong": "Phường 4", "quan": "Quận 3", "tinh": "Hồ Chí Minh"},
    ]
    body = "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode()
    job = _submit(
        client,
        field | {"Content-Type": "application/x-ndjson"},
        body,
        id_column="id",
        house_number="so",
        street="duong",
        commune="phuong",
        district="quan",
        province="tinh",
    )
    assert job.options.format == "jsonl" and job.options.structured["commune"] == "phuong"
    _drain(database)
    rows = _jsonl_results(client, field, job.id)
    assert [r.row_id for r in rows] == ["7", "8", "9"]
    parts = ("house_number", "street", "commune", "district", "province")
    columns = ("so", "duong", "phuong", "quan", "tinh")
    for record, row in zip(records, rows, strict=True):
        params = {p: str(record[c]) for p, c in zip(parts, columns, strict=True) if c in record}
        single = _single(client, **params)
        assert (row.best.model_dump() if row.best else None) == single, record


def test_progress_while_running_and_results_only_when_done(
    client: TestClient, conn: Connection, database: Database
) -> None:
    field = bearer(conn, "field")
    job = _submit(client, field, _csv([["a"], *[[a] for a in ADDRESSES]]), column="a")
    assert batch.process_chunk(database, render, size=3) == 3
    r = client.get(f"/geocode/batch/{job.id}", headers=field)
    running = BatchJobOut.model_validate(r.json())
    assert (running.status, running.done, running.total) == ("running", 3, len(ADDRESSES))
    assert running.started_at is not None and running.eta_seconds is not None
    assert_problem(client.get(f"/geocode/batch/{job.id}/results", headers=field), 409, "conflict")
    _drain(database, size=3)
    r = client.get(f"/geocode/batch/{job.id}", headers=field)
    assert r.json()["status"] == "done"


def test_bad_rows_are_reported_with_number_and_reason_and_the_job_goes_on(
    client: TestClient, conn: Connection, database: Database
) -> None:
    field = bearer(conn, "field")
    body = b"id,address\nA,Phuong Xuan Hoa TP HCM\nB,\nC,1 Le Loi, Hue, extra\nD,Ngoc Ha Ha Noi\n"
    job = _submit(client, field, body, column="address", id_column="id")
    assert (job.total, job.done, job.failed) == (4, 2, 2)
    _drain(database)
    rows = _jsonl_results(client, field, job.id)
    assert [(r.row_no, r.row_id, r.status) for r in rows] == [
        (1, "A", "ok"),
        (2, "B", "error"),
        (3, "C", "error"),
        (4, "D", "ok"),
    ]
    assert rows[1].error == "empty address"
    assert rows[2].error == "expected 2 fields, got 4"
    r = client.get(f"/geocode/batch/{job.id}", headers=field)
    assert (r.json()["status"], r.json()["failed"]) == ("done", 2)


def test_bad_json_lines_are_bad_rows(client: TestClient, conn: Connection) -> None:
    field = bearer(conn, "field")
    body = b'{"q": "Xuan Hoa, HCM"}\nnot json\n[1, 2]\n{"other": "x"}\n'
    job = _submit(client, field, body, column="q", format="jsonl")
    assert (job.total, job.failed) == (4, 3)
    rows = read_rows(body, BatchOptions(format="jsonl", column="q"))
    assert [r.error for r in rows] == [
        None,
        "not JSON: Expecting value at column 1",
        "not a JSON object",
        "no field 'q'",
    ]


@pytest.mark.parametrize(
    ("body", "params", "loc"),
    [
        (b"id,address\n1,Xuan Hoa\n", {"column": "addr"}, ["query", "column"]),
        (b"id,address\n1,Xuan Hoa\n", {"column": "address", "id_column": "x"}, None),
        (b"", {"column": "address"}, ["body"]),
        (b"address\n\n\n", {"column": "address"}, ["body"]),
        (b'{"a": 1}\n', {"column": "address", "format": "jsonl"}, ["query", "column"]),
        (b"address\n1\n", {}, ["query", "column"]),
        (b"address,street\n1,2\n", {"column": "address", "street": "street"}, None),
        (b"address\n\xff\xfe\n", {"column": "address"}, ["body"]),
    ],
)
def test_bad_files_are_422_problems(
    client: TestClient,
    conn: Connection,
    body: bytes,
    params: dict[str, str],
    loc: list[str] | None,
) -> None:
    field = bearer(conn, "field")
    r = client.post("/geocode/batch", content=body, params=params, headers=field)
    problem = assert_problem(r, 422, "invalid-batch")
    assert problem["detail"]
    if loc is not None:
        assert problem["errors"][0]["loc"] == loc
    assert conn.execute(text("SELECT count(*) FROM geocode_job")).scalar_one() == 0


def test_more_than_100000_rows_is_422(client: TestClient, conn: Connection) -> None:
    field = bearer(conn, "field")
    body = b"a\n" + b"x\n" * 100_001
    problem = assert_problem(
        client.post("/geocode/batch", content=body, params={"column": "a"}, headers=field),
        422,
        "invalid-batch",
    )
    assert "100,000" in problem["detail"]


def test_needs_a_field_key_and_jobs_are_private_to_their_key(
    client: TestClient, conn: Connection
) -> None:
    body = b"a\nXuan Hoa\n"
    assert_problem(
        client.post("/geocode/batch", content=body, params={"column": "a"}), 401, "unauthorized"
    )
    admin = bearer(conn, "admin")
    assert_problem(
        client.post("/geocode/batch", content=body, params={"column": "a"}, headers=admin),
        403,
        "forbidden",
    )
    job = _submit(client, bearer(conn, "field"), body, column="a")
    other = bearer(conn, "field", organisation="Sở TN&MT")
    assert_problem(client.get(f"/geocode/batch/{job.id}", headers=other), 404, "not-found")
    assert_problem(client.get(f"/geocode/batch/{job.id}/results", headers=other), 404, "not-found")


def test_idempotency_key_creates_the_job_once(client: TestClient, conn: Connection) -> None:
    headers = bearer(conn, "field") | {"Idempotency-Key": "batch-1"}
    body = b"a\nXuan Hoa\n"
    first = client.post("/geocode/batch", content=body, params={"column": "a"}, headers=headers)
    again = client.post("/geocode/batch", content=body, params={"column": "a"}, headers=headers)
    assert first.status_code == again.status_code == 202
    assert again.headers["idempotent-replayed"] == "true"
    assert first.json()["id"] == again.json()["id"]
    assert conn.execute(text("SELECT count(*) FROM geocode_job")).scalar_one() == 1
    other = client.post(
        "/geocode/batch", content=b"a\nNgoc Ha\n", params={"column": "a"}, headers=headers
    )
    assert_problem(other, 422, "idempotency-key-reused")


# --- real commits: a crash mid-chunk, a restart, the workers of a running app -------------


class Crash(BaseException):
    """Stands for the process dying: not an Exception, so nothing catches it."""


def _committed_job(url: str, addresses: list[str]) -> tuple[Database, Any, str]:
    engine = create_engine(url)
    database = Database(engine)
    with database.transaction() as conn:
        principal, token = create_key(
            conn, name="batch test", organisation="UBND", scopes=["field"], person=None
        )
        body = _csv([["address"], *[[a] for a in addresses]])
        options = BatchOptions(column="address")
        job = batch.create_job(conn, principal.key_id, options, read_rows(body, options))
    return database, job, token


def test_a_crash_mid_chunk_redoes_that_chunk_and_a_restart_finishes_every_row_once(
    fresh_database_url: str,
) -> None:
    addresses = [f"Số {n} Võ Văn Tần, Phường Xuân Hòa, TP.HCM" for n in range(1, 41)]
    database, job, _ = _committed_job(fresh_database_url, addresses)
    seen: Counter[str] = Counter()

    def crashing(result: GeocodeResult) -> dict[str, Any]:
        seen[result.query] += 1
        if sum(seen.values()) == 17:  # in the third chunk of 7
            raise Crash
        return render(result)

    with pytest.raises(Crash):
        while batch.process_chunk(database, crashing, size=7):
            pass
    with database.read() as conn:
        after_crash = batch.get_job(conn, job.id, job.api_key_id)
        stored = conn.execute(
            text(
                "SELECT count(*) FROM geocode_job_row r JOIN geocode_job_text t"
                " USING (job_id, text_no) WHERE job_id = :j AND t.result IS NOT NULL"
            ),
            {"j": job.id},
        ).scalar_one()
    assert (after_crash.status, after_crash.done, stored) == ("running", 14, 14)

    redone: Counter[str] = Counter()

    def counting(result: GeocodeResult) -> dict[str, Any]:
        redone[result.query] += 1
        return render(result)

    pool = batch.WorkerPool(database, counting, workers=3, chunk_size=5, idle_s=0.05)
    pool.start()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with database.read() as conn:
                if batch.get_job(conn, job.id, job.api_key_id).status == "done":
                    break
            time.sleep(0.1)
    finally:
        pool.stop()
    with database.read() as conn:
        final = batch.get_job(conn, job.id, job.api_key_id)
        rows = batch.result_page(conn, job.id)
    assert (final.status, final.done, final.failed) == ("done", 40, 0)
    assert [r.row_no for r in rows] == list(range(1, 41))
    assert all(r.result is not None and r.result["best"] for r in rows)
    # the restart did exactly the 26 rows not committed before the crash, each once
    assert sum(redone.values()) == 26 and set(redone.values()) == {1}
    assert not set(redone) & set(addresses[:14])
    database.dispose()


def test_the_app_runs_workers_for_its_lifetime(fresh_database_url: str) -> None:
    from web.app import create_app

    database, _, token = _committed_job(fresh_database_url, ["Xuân Hòa, TP.HCM"])
    app = create_app(Settings(), database=database)
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as client:
        job = _submit(client, headers, b"a\nphuong Ngoc Ha Ha Noi\nXuan Hoa HCM\n", column="a")
        deadline = time.monotonic() + 60
        status = job.status
        while status != "done" and time.monotonic() < deadline:
            time.sleep(0.1)
            status = client.get(f"/geocode/batch/{job.id}", headers=headers).json()["status"]
        assert status == "done"
        rows = _jsonl_results(client, headers, job.id)
        assert all(r.status == "ok" for r in rows)
        workers = [t for t in threading.enumerate() if t.name.startswith("geocode-batch-")]
        assert workers
    assert not any(t.is_alive() for t in workers)
    with database.read() as conn:  # the job committed before the app started is done too
        assert (
            conn.execute(
                text("SELECT count(*) FROM geocode_job WHERE status <> 'done'")
            ).scalar_one()
            == 0
        )
    database.dispose()


def test_the_command_line_gives_the_same_answers(
    client: TestClient, test_database_url: str, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from web.cli import app

    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_bytes(_csv([["ref", "address"], *[[f"R{i}", a] for i, a in enumerate(ADDRESSES)]]))
    source.write_bytes(source.read_bytes() + b"R-bad,\n")
    args = ["geocode", str(source), "--column", "address", "--id-column", "ref", "-o", str(target)]
    result = CliRunner().invoke(
        app, [*args, "--processes", "2"], env={"DIACHI_DATABASE_URL": test_database_url}
    )
    assert result.exit_code == 0, result.output
    lines = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert tuple(lines[0]) == batch.CSV_COLUMNS
    for i, (address, line) in enumerate(zip(ADDRESSES, lines[1:], strict=False)):
        single = client.get("/geocode", params={"q": address}).json()
        best = single["candidates"][0] if single["candidates"] else None
        stored = {"best": best, "ambiguous": single["ambiguous"]}
        assert line == batch.csv_record(i + 1, f"R{i}", address, stored), address
    assert lines[-1][:4] == [str(len(ADDRESSES) + 1), "R-bad", "", "error"]
    assert lines[-1][-1] == "empty address"


def test_a_text_repeated_in_a_job_is_answered_once_and_a_later_job_sees_new_places(
    fresh_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from web.app import create_app

    monkeypatch.setenv("DIACHI_BATCH__WORKERS", "0")  # this test runs the chunks itself
    address = "Số 7 Võ Văn Tần, Phường Xuân Hòa, TP.HCM"
    database, job, _ = _committed_job(fresh_database_url, [address] * 4)
    seen: Counter[str] = Counter()

    def counting(result: GeocodeResult) -> dict[str, Any]:
        seen[result.query] += 1
        return render(result)

    # one text, one claim: the four rows are done together, geocoded once
    assert batch.process_chunk(database, counting, size=1) == 4
    assert batch.process_chunk(database, counting, size=1) == 0
    assert sum(seen.values()) == 1
    with database.transaction() as conn:
        field, review = bearer(conn, "field"), bearer(conn, "review")
        later = batch.create_job(
            conn,
            job.api_key_id,
            BatchOptions(column="address"),
            read_rows(_csv([["address"], [address], [address]]), BatchOptions(column="address")),
        )
    with TestClient(create_app(Settings(), database=database)) as client:
        place = make_place(client, field, review, house_number="7", street="Võ Văn Tần")
    assert _drain(database) == 2  # the process's memos follow the data
    with database.read() as conn:
        before, after = batch.result_page(conn, job.id), batch.result_page(conn, later.id)
        progress = batch.get_job(conn, job.id, job.api_key_id)
    assert (progress.status, progress.done, progress.total) == ("done", 4, 4)
    found = [r.result["best"]["code"] if r.result and r.result["best"] else None for r in before]
    assert found == [None] * 4
    assert [r.result["best"]["code"] for r in after if r.result] == [place["code"]] * 2
    database.dispose()


def test_the_command_line_answers_repeated_rows_in_order(
    client: TestClient, test_database_url: str, tmp_path: Path
) -> None:
    from web.batch_file import geocode_file

    addresses = [ADDRESSES[1], "", ADDRESSES[2], ADDRESSES[1], ADDRESSES[5], "", ADDRESSES[2]]
    source, target = tmp_path / "in.csv", tmp_path / "out.jsonl"
    source.write_bytes(_csv([["id", "address"], *[[f"R{i}", a] for i, a in enumerate(addresses)]]))
    options = BatchOptions(column="address", id_column="id")
    settings = Settings(database_url=test_database_url)
    report = geocode_file(settings, source, options, target, processes=2, chunk_size=1)
    assert (report.rows, report.ok, report.errors) == (7, 5, 2)
    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [line["row_id"] for line in lines] == [f"R{i}" for i in range(7)]
    for address, line in zip(addresses, lines, strict=True):
        if not address:
            assert (line["status"], line["error"]) == ("error", "empty address")
            continue
        single = client.get("/geocode", params={"q": address}).json()
        assert line["best"] == single["candidates"][0], address
        assert line["ambiguous"] == single["ambiguous"], address


def test_migration_0008_keeps_open_jobs_going_down_and_up(fresh_database_url: str) -> None:
    from registry import migrations

    first, second = "Phường Xuân Hòa, TP.HCM", "phuong Ngoc Ha Ha Noi"
    too_long = {"error": "address longer than 500 characters"}
    database, job, _ = _committed_job(fresh_database_url, [first, second, first, "x" * 501])
    assert batch.process_chunk(database, render, size=1) == 2  # the first text: rows 1 and 3
    with database.read() as conn:
        answered = {r.row_no: r.result for r in batch.result_page(conn, job.id)}
    database.dispose()

    migrations.downgrade(fresh_database_url, "0007")
    engine = create_engine(fresh_database_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT row_no, result FROM geocode_job_row WHERE job_id = :j ORDER BY row_no"),
            {"j": job.id},
        ).all()
    engine.dispose()
    # answers copied back to their rows; the second text's row is pending, as 0007 has it
    assert [(n, r) for n, r in rows] == [
        (1, answered[1]),
        (2, None),
        (3, answered[1]),
        (4, too_long),
    ]

    migrations.upgrade(fresh_database_url, "0008")
    database = Database(create_engine(fresh_database_url))
    assert _drain(database) == 1  # the pending row became a text of its own
    with database.read() as conn:
        final = batch.get_job(conn, job.id, job.api_key_id)
        results = [(r.row_no, r.result) for r in batch.result_page(conn, job.id)]
    assert (final.status, final.done, final.failed, final.total) == ("done", 4, 1, 4)
    assert results[0] == (1, answered[1]) and results[2] == (3, answered[1])
    assert results[1][1] is not None and results[1][1]["best"]
    assert results[3] == (4, too_long)
    database.dispose()
