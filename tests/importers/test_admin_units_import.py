"""The admin-unit import loads everything and a second run changes nothing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, create_engine, text

from importers.admin_units import run
from registry.database import Database


def test_counts_by_level_and_period(conn: Connection) -> None:
    rows = conn.execute(
        text(
            "SELECT level, count(DISTINCT code) FROM admin_unit"
            " WHERE valid @> CAST(:d AS date) GROUP BY level"
        ),
        {"d": "2026-08-01"},
    )
    assert dict(rows.all()) == {"province": 34, "commune": 3321}
    rows = conn.execute(
        text(
            "SELECT level, count(*) FROM admin_unit WHERE valid @> DATE '2025-06-30' GROUP BY level"
        )
    )
    assert dict(rows.all()) == {"province": 63, "district": 696, "commune": 10035}


def test_every_2025_commune_has_a_valid_multipolygon(conn: Connection) -> None:
    bad = conn.execute(
        text(
            "SELECT count(*) FROM admin_unit WHERE level = 'commune' AND lower(valid) >= DATE"
            " '2025-07-01' AND (boundary IS NULL OR NOT ST_IsValid(boundary)"
            " OR GeometryType(boundary) <> 'MULTIPOLYGON')"
        )
    ).scalar_one()
    assert bad == 0


def test_mapping_disagreements_are_kept_visible(conn: Connection) -> None:
    count = conn.execute(text("SELECT count(*) FROM admin_succession_disagreement")).scalar_one()
    assert count > 0


def test_second_import_changes_nothing_and_says_so(fresh_database_url: str, data_dir: Path) -> None:
    engine = create_engine(fresh_database_url)
    database = Database(engine)
    try:
        with engine.connect() as c:
            before = c.execute(text("SELECT count(*), max(id) FROM admin_unit")).one()
        again = run(database, data_dir)
        assert again.unchanged
        assert "nothing to do" in again.render()
        forced = run(database, data_dir, force=True)
        assert (forced.inserted, forced.updated, forced.deleted) == (0, 0, 0)
        with engine.connect() as c:
            after = c.execute(text("SELECT count(*), max(id) FROM admin_unit")).one()
        assert before == after
    finally:
        engine.dispose()


def test_changed_input_applies_only_the_difference(
    fresh_database_url: str, data_dir: Path, tmp_path: Path
) -> None:
    import shutil

    copy = tmp_path / "data"
    shutil.copytree(data_dir, copy)
    districts = copy / "vn-admin-pre2025" / "gso_districts_2025-07-18.csv"
    districts.write_text(
        districts.read_text(encoding="utf-8-sig").replace("Quận Ba Đình", "Quận Ba Đình Mới"),
        encoding="utf-8",
    )
    engine = create_engine(fresh_database_url)
    try:
        report = run(Database(engine), copy)
        assert not report.unchanged
        assert (report.inserted, report.deleted) == (0, 0)
        assert report.updated >= 1
        with engine.connect() as c:
            name = c.execute(
                text("SELECT name FROM admin_unit WHERE level = 'district' AND code = '001'")
            ).scalar_one()
        assert name == "Quận Ba Đình Mới"
    finally:
        engine.dispose()
