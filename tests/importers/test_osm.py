"""The OSM import on real PostGIS: the bundled extracts for counts and sanity, tiny
hand-written extracts for the exact behaviour of a re-import."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import quoteattr

import osmium
import pytest
from sqlalchemy import Connection, create_engine, text

from importers.osm import OsmImportReport, run, run_demo
from importers.osm_reader import read_extract
from registry import admin_units, changes, places
from registry.database import Database

HCMC = Path("osm-hcmc-xuanhoa-2026/hcmc_xuanhoa_2026-01.osm.gz")
HANOI = Path("osm-hanoi-vanmieu-2023/hanoi_vanmieu_2023-12.osm.gz")
STREET = "Đường Trần Quốc Thảo"
BOUNDS = (106.6880, 10.7840, 106.6900, 10.7860)  # (W, S, E, N) in Phường Xuân Hòa, HCMC


# Tables an import writes. Autovacuum is switched off on them in the test's database: an
# import writes enough rows to wake it, and PostgreSQL 15's DROP DATABASE … WITH (FORCE)
# (the fixture's teardown) fails when an autovacuum worker is in the database, its process
# having no role ("must be a member of the role whose process is being terminated").
WRITTEN = (
    "street",
    "building",
    "poi",
    "hamlet",
    "osm_dataset",
    "review_flag",
    "place",
    "place_version",
    "change_transaction",
    "code_issuance",
)


@pytest.fixture
def database(fresh_database_url: str) -> Iterator[Database]:
    """A database of the test's own, committed for real."""
    db = Database(create_engine(fresh_database_url))
    with db.transaction() as conn:
        for table in WRITTEN:
            conn.execute(text(f"ALTER TABLE {table} SET (autovacuum_enabled = false)"))
    yield db
    db.dispose()


def _scalar(db: Database, sql: str, **params: object) -> object:
    with db.read() as conn:
        return conn.execute(text(sql), params).scalar_one()


def _transactions(db: Database) -> int:
    return int(str(_scalar(db, "SELECT count(*) FROM change_transaction")))


def _current(conn: Connection, osm_id: str) -> places.PlaceVersion:
    place_id = conn.execute(
        text(
            "SELECT place_id FROM place_version WHERE osm_id = :o AND upper_inf(recorded)"
            " AND upper_inf(valid)"
        ),
        {"o": osm_id},
    ).scalar_one()
    return places.current(conn, place_id)


# ---------------------------------------------------------------- tiny extracts


def _node(osm_id: int, lon: float, lat: float, **tags: str) -> str:
    body = "".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())
    return f'<node id="{osm_id}" version="1" lat="{lat}" lon="{lon}">{body}</node>'


def _way(osm_id: int, refs: list[int], **tags: str) -> str:
    nds = "".join(f'<nd ref="{r}"/>' for r in refs)
    body = "".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())
    return f'<way id="{osm_id}" version="1">{nds}{body}</way>'


def _address(number: str) -> dict[str, str]:
    return {"addr:housenumber": number, "addr:street": STREET}


def _extract(tmp_path: Path, name: str, numbers: dict[int, str], *, compress: bool = False) -> Path:
    """A street, a building with address 20 and a shop inside it with the same address,
    a node address outside the bounds, and node addresses ``osm id → house number``."""
    w, s, e, n = BOUNDS
    objects = [
        _node(1, 106.6882, 10.7850),
        _node(2, 106.6898, 10.7850),
        _node(11, 106.6890, 10.7842),
        _node(12, 106.6892, 10.7842),
        _node(13, 106.6892, 10.7844),
        _node(14, 106.6890, 10.7844),
        _node(15, 106.6891, 10.7843, shop="bakery", name="Tiệm bánh Hai Mươi", **_address("20")),
        _node(16, 106.6950, 10.7850, **_address("99")),  # outside the bounds
    ]
    for osm_id, number in sorted(numbers.items()):
        objects.append(_node(osm_id, 106.6884 + (osm_id % 100) * 1e-4, 10.7855, **_address(number)))
    objects += [
        _way(100, [1, 2], highway="residential", name=STREET, alt_name="Trần Quốc Thảo"),
        _way(101, [11, 12, 13, 14, 11], building="house", **_address("20")),
    ]
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="test">\n'
        f'<bounds minlat="{s}" minlon="{w}" maxlat="{n}" maxlon="{e}"/>\n'
        + "\n".join(objects)
        + "\n</osm>\n"
    )
    path = tmp_path / (f"{name}.osm.gz" if compress else f"{name}.osm")
    if compress:
        path.write_bytes(gzip.compress(xml.encode()))
    else:
        path.write_text(xml, encoding="utf-8")
    return path


def _approve(db: Database, osm_id: str) -> None:
    with db.transaction() as conn:
        place_id = _current(conn, osm_id).place_id
        actor = changes.Actor(organisation="Phường Xuân Hòa", source="test")
        with changes.recording(conn, actor, "reviewed") as tx:
            places.approve(conn, tx, place_id, admin_units.today(), serial_space=10_000)


def test_the_reader_reads_gzip_and_keeps_the_bounds(tmp_path: Path) -> None:
    extract = read_extract(_extract(tmp_path, "v1", {201: "10"}, compress=True))

    assert extract.bounds is not None
    assert (extract.bounds.min_lon, extract.bounds.max_lat) == (BOUNDS[0], BOUNDS[3])
    assert [s.osm_id for s in extract.streets] == ["w100"]
    assert extract.streets[0].alt_names == ("Trần Quốc Thảo",)
    assert [b.osm_id for b in extract.buildings] == ["w101"]
    assert [(p.osm_id, p.subtype) for p in extract.pois] == [("n15", "bakery")]
    assert {a.osm_id for a in extract.addresses} == {"n15", "n16", "n201", "w101"}


def test_a_pbf_file_gives_the_same_records(tmp_path: Path) -> None:
    source = _extract(tmp_path, "v1", {201: "10"})
    processor = osmium.FileProcessor(str(source))
    header = osmium.io.Header()
    header.add_box(processor.header.box())
    with osmium.SimpleWriter(str(tmp_path / "v1.osm.pbf"), header=header) as writer:
        for obj in processor:
            writer.add(obj)

    pbf = read_extract(tmp_path / "v1.osm.pbf")
    xml = read_extract(source)

    assert pbf.bounds == xml.bounds and pbf.bounds is not None
    assert (pbf.streets, pbf.buildings, pbf.pois) == (xml.streets, xml.buildings, xml.pois)
    assert pbf.addresses == xml.addresses


def test_a_building_with_an_address_is_one_building_place(
    tmp_path: Path, database: Database
) -> None:
    report = run(database, _extract(tmp_path, "v1", {201: "10"}))

    assert report.merged_addresses == 1
    assert report.skipped["address: outside the extract's bounds"] == 1
    assert report.places["new"] == 2  # the building (with its shop) and n201
    with database.read() as conn:
        building = _current(conn, "w101")
        same_address = conn.execute(
            text(
                "SELECT count(*) FROM place_version WHERE upper_inf(recorded)"
                " AND house_number = '20'"
            )
        ).scalar_one()
        street_id = conn.execute(text("SELECT id FROM street WHERE osm_id = 'w100'")).scalar()
    assert same_address == 1
    assert (building.kind, building.source, building.osm_id) == ("building", "osm", "w101")
    assert building.status == "proposed" and building.code is None
    assert (building.street_name, building.street_id) == (STREET, street_id)
    assert building.commune is not None and building.commune.name == "Phường Xuân Hòa"


def test_a_newer_extract_applies_exactly_the_difference(tmp_path: Path, database: Database) -> None:
    # 201 will change, 202 disappear while proposed, 203 disappear once active, 204 stays
    run(database, _extract(tmp_path, "v1", {201: "10", 202: "12", 203: "14", 204: "16"}))
    _approve(database, "n203")
    before = _transactions(database)

    report = run(database, _extract(tmp_path, "v2", {201: "10A", 204: "16", 205: "18"}))

    assert report.changed and _transactions(database) == before + 1
    assert {k: v for k, v in report.places.items() if v} == {
        "new": 1,
        "changed": 1,
        "unchanged": 2,  # 204 and the building
        "withdrawn": 1,
        "flagged": 1,
    }
    assert all(c == {"new": 0, "changed": 0, "gone": 0} for c in report.basemap.values())
    with database.read() as conn:
        changed = _current(conn, "n201")
        history = places.history(conn, changed.place_id)
        gone_proposed = _current(conn, "n202")
        gone_active = _current(conn, "n203")
        added = _current(conn, "n205")
        flags = conn.execute(
            text("SELECT place_id, reason, created_tx FROM review_flag WHERE resolved_tx IS NULL")
        ).all()
    assert changed.house_number == "10A" and changed.status == "proposed"
    assert [v.change for v in history] == ["propose", "update"]
    assert history[0].house_number == "10" and history[-1].tx_id == report.tx_id
    assert gone_proposed.status == "withdrawn" and gone_proposed.tx_id == report.tx_id
    assert gone_active.status == "active" and gone_active.code is not None
    assert gone_active.tx_id != report.tx_id  # flagged, not touched
    assert [(f.place_id, f.reason, f.created_tx) for f in flags] == [
        (gone_active.place_id, "osm-gone", report.tx_id)
    ]
    assert (added.house_number, added.status, added.source) == ("18", "proposed", "osm")

    again = run(database, _extract(tmp_path, "v2-again", {201: "10A", 204: "16", 205: "18"}))
    assert not again.changed and again.places["already_flagged"] == 1
    assert _transactions(database) == before + 1

    back = run(database, _extract(tmp_path, "v3", {201: "10A", 203: "14", 204: "16", 205: "18"}))
    assert back.places["unflagged"] == 1 and back.places["new"] == 0
    assert _scalar(database, "SELECT count(*) FROM review_flag WHERE resolved_tx IS NULL") == 0


def test_a_correction_made_since_is_kept(tmp_path: Path, database: Database) -> None:
    run(database, _extract(tmp_path, "v1", {201: "10", 204: "16"}))
    with database.transaction() as conn:
        place_id = _current(conn, "n201").place_id
        actor = changes.Actor(organisation="Phường Xuân Hòa", source="field")
        with changes.recording(conn, actor, "house number checked on site") as tx:
            places.supersede(
                conn, tx, place_id, {"house_number": "10B"}, admin_units.today(), "update"
            )

    report = run(database, _extract(tmp_path, "v2", {201: "10", 204: "16A"}))

    assert report.places["kept"] == 1 and report.places["changed"] == 1
    with database.read() as conn:
        assert _current(conn, "n201").house_number == "10B"
        assert _current(conn, "n204").house_number == "16A"


# ---------------------------------------------------------------- the bundled extracts


def _places_by_source(db: Database) -> dict[str, int]:
    with db.read() as conn:
        rows = conn.execute(
            text(
                "SELECT source, count(*) FROM place_version"
                " WHERE upper_inf(recorded) AND upper_inf(valid) GROUP BY source"
            )
        ).all()
    return {r[0]: r[1] for r in rows}


def test_the_hcmc_extract_loads_a_sane_base_map(data_dir: Path, database: Database) -> None:
    report = run(database, data_dir / HCMC)

    assert report.bounds_source == "header" and report.changed
    assert report.seconds < 60
    extract = report.extract
    assert 150 <= extract["streets"] <= 400
    assert 500 <= extract["buildings"] <= 800
    assert 150 <= extract["pois"] <= 400
    assert 80 <= extract["addresses"] <= 300
    assert report.basemap["street"]["new"] == extract["streets"]
    assert report.places["new"] == extract["addresses"]
    assert report.skipped["street: no name"] > 0
    assert _places_by_source(database) == {"osm": extract["addresses"]}
    with database.read() as conn:
        licences = conn.execute(
            text(
                "SELECT DISTINCT source, licence FROM street UNION SELECT DISTINCT source, licence"
                " FROM building UNION SELECT DISTINCT source, licence FROM poi"
            )
        ).all()
        bad = conn.execute(
            text(
                "SELECT count(*) FROM place_version WHERE upper_inf(recorded)"
                " AND (osm_id !~ '^[nwr][0-9]+$' OR status <> 'proposed'"
                "      OR location_method <> 'imported' OR commune_unit_id IS NULL)"
            )
        ).scalar_one()
        # a node address inside a building with the same address is not a place of its own
        doubled = conn.execute(
            text(
                "SELECT count(*) FROM place_version n"
                " JOIN place_version b ON b.osm_id LIKE 'w%' AND upper_inf(b.recorded)"
                " JOIN building g ON g.osm_id = b.osm_id"
                " WHERE upper_inf(n.recorded) AND n.osm_id LIKE 'n%'"
                " AND n.house_number = b.house_number AND n.street_name = b.street_name"
                " AND ST_Intersects(g.geom, n.location)"
            )
        ).scalar_one()
        communes = conn.execute(
            text(
                "SELECT DISTINCT c.name FROM place_version v"
                " JOIN admin_unit c ON c.id = v.commune_unit_id WHERE upper_inf(v.recorded)"
            )
        ).scalars()
        assert set(communes) <= {"Phường Xuân Hòa", "Phường Tân Định", "Phường Sài Gòn"}
    assert licences == [("osm", "ODbL-1.0")]
    assert bad == 0 and doubled == 0 and report.merged_addresses > 0


def test_the_same_file_twice_changes_nothing(data_dir: Path, database: Database) -> None:
    run(database, data_dir / HCMC)
    before = _transactions(database)

    second = run(database, data_dir / HCMC)
    forced = run(database, data_dir / HCMC, force=True)

    assert second.unchanged and "nothing to do" in second.render()
    assert not forced.unchanged and not forced.changed
    assert "nothing changed" in forced.render()
    assert forced.places["unchanged"] == forced.extract["addresses"]
    assert all(c == {"new": 0, "changed": 0, "gone": 0} for c in forced.basemap.values())
    assert _transactions(database) == before


def test_importing_hanoi_leaves_hcmc_untouched(data_dir: Path, database: Database) -> None:
    hcmc = run(database, data_dir / HCMC)
    snapshot = """
        SELECT (SELECT array_agg(id ORDER BY id) FROM place_version),
               (SELECT array_agg(id ORDER BY id) FROM street),
               (SELECT array_agg(id ORDER BY id) FROM building)
    """
    with database.read() as conn:
        before = conn.execute(text(snapshot)).one()

    hanoi: OsmImportReport = run(database, data_dir / HANOI)

    assert hanoi.changed and hanoi.places["new"] > 50
    assert hanoi.places["withdrawn"] == hanoi.places["flagged"] == 0
    assert all(c["gone"] == 0 for c in hanoi.basemap.values())
    with database.read() as conn:
        hcmc_rows = conn.execute(
            text(
                "SELECT (SELECT array_agg(id ORDER BY id) FROM place_version WHERE tx_id <> :h),"
                " (SELECT array_agg(id ORDER BY id) FROM street WHERE tx_id <> :h),"
                " (SELECT array_agg(id ORDER BY id) FROM building WHERE tx_id <> :h)"
            ),
            {"h": hanoi.tx_id},
        ).one()
        provinces = conn.execute(
            text(
                "SELECT DISTINCT p.name FROM place_version v JOIN admin_unit p"
                " ON p.id = v.province_unit_id WHERE v.tx_id = :h"
            ),
            {"h": hanoi.tx_id},
        ).scalars()
        assert list(provinces) == ["Thành phố Hà Nội"]
    assert tuple(hcmc_rows) == tuple(before)
    assert _places_by_source(database) == {
        "osm": hcmc.extract["addresses"] + hanoi.extract["addresses"]
    }


def test_the_demo_approves_the_bundled_places_once(data_dir: Path, database: Database) -> None:
    first = run_demo(database, data_dir)
    before = _transactions(database)
    second = run_demo(database, data_dir)

    assert first.approved == sum(r.extract["addresses"] for r in first.imports) > 200
    assert second.approved == 0 and all(r.unchanged for r in second.imports)
    assert _transactions(database) == before
    with database.read() as conn:
        statuses = conn.execute(
            text(
                "SELECT v.status, count(*), count(v.code), min(t.reason), min(t.source)"
                " FROM place_version v JOIN change_transaction t ON t.id = v.tx_id"
                " WHERE upper_inf(v.recorded) AND upper_inf(v.valid) GROUP BY v.status"
            )
        ).all()
    assert [tuple(s) for s in statuses] == [
        ("active", first.approved, first.approved, "demo approval", "demo")
    ]


def test_a_building_across_the_edge_of_the_extract_keeps_its_address(
    tmp_path: Path, database: Database
) -> None:
    # The extract holds whole buildings that cross its bounds (osmium's complete ways);
    # this one's centre lies north of the edge, two of its corners inside.
    w, s, e, n = BOUNDS
    objects = [
        _node(31, 106.6890, n - 0.0001),
        _node(32, 106.6892, n - 0.0001),
        _node(33, 106.6892, n + 0.0005),
        _node(34, 106.6890, n + 0.0005),
        _way(301, [31, 32, 33, 34, 31], building="yes", **_address("88")),
    ]
    path = tmp_path / "edge.osm"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="test">\n'
        f'<bounds minlat="{s}" minlon="{w}" maxlat="{n}" maxlon="{e}"/>\n'
        + "\n".join(objects)
        + "\n</osm>\n",
        encoding="utf-8",
    )

    report = run(database, path)

    assert report.places["new"] == 1
    assert "address: outside the extract's bounds" not in report.skipped
    with database.read() as conn:
        building = _current(conn, "w301")
    assert (building.kind, building.house_number) == ("building", "88")
