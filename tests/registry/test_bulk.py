"""The bulk path writes what the one-at-a-time path would, for a whole batch at once."""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections import Counter
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Connection, text

from geo.geocode.autocomplete import autocomplete
from geo.house_number import parse_house_number
from registry import admin_units, bulk, bulk_rows, changes, places
from registry.bulk import BulkPlace, BulkReport, Rejection, load_places
from registry.bulk_rows import house_number
from registry.codes import Code, make_code, zone_of
from registry.issuance import ZoneFull

VALID_FROM = date(2026, 1, 1)
ACTOR = changes.Actor(organisation="Sở Xây dựng (thử)", source="bulk-test")
SEA = (107.9, 16.9)  # the East Sea off Quảng Trị: in zone 58, in no commune
HOUSE_NUMBERS = ("12/3A", "số 7 ngõ 12 ngách 5", "45/12/7", "12 bis", "K24/5", None, "203")
STREETS = ("Nguyễn Trãi", "Lê Lợi", "Đường số 5", None)


def _points(conn: Connection) -> list[tuple[float, float]]:
    """Points in communes all over the country: a point on the surface of every 20th
    commune, and the first vertex of every 300th (on a shared edge or the coast)."""
    rows = conn.execute(
        text(
            "SELECT ST_X(g) AS lon, ST_Y(g) AS lat FROM ("
            "  SELECT CASE WHEN n % 300 = 0"
            "    THEN ST_PointN(ST_ExteriorRing(ST_GeometryN(boundary, 1)), 1)"
            "    ELSE ST_PointOnSurface(boundary) END AS g"
            "  FROM (SELECT boundary, row_number() OVER (ORDER BY code) AS n FROM admin_unit"
            "        WHERE level = 'commune' AND valid @> CAST(:at AS date)) c"
            "  WHERE n % 20 = 0) p"
        ),
        {"at": VALID_FROM},
    )
    return [(lon, lat) for lon, lat in rows]


def _batch(conn: Connection) -> list[BulkPlace]:
    """Buildings on those points, a flat and a kiosk in every tenth, and a building at sea
    with a flat."""
    batch: list[BulkPlace] = []
    for i, (lon, lat) in enumerate(_points(conn)):
        batch.append(
            BulkPlace(
                kind="building",
                lon=lon,
                lat=lat,
                source="test",
                location_method="imagery",
                house_number=HOUSE_NUMBERS[i % len(HOUSE_NUMBERS)],
                street_name=STREETS[i % len(STREETS)],
                hamlet=f"Tổ dân phố {i % 9 + 1}",
                accuracy_m=2.5,
            )
        )
        if i % 10 == 0:
            parent = len(batch) - 1
            for unit_kind, number in (("flat", "P.302"), ("kiosk", "kiot 5")):
                batch.append(
                    BulkPlace(
                        kind="unit",
                        lon=lon,
                        lat=lat,
                        source="test",
                        location_method="imagery",
                        house_number=number,
                        unit_kind=unit_kind,
                        parent_ref=parent,
                    )
                )
    batch.append(BulkPlace(kind="building", lon=SEA[0], lat=SEA[1], source="test"))
    batch.append(
        BulkPlace(
            kind="unit",
            lon=SEA[0],
            lat=SEA[1],
            source="test",
            unit_kind="flat",
            parent_ref=len(batch) - 1,
        )
    )
    return batch


def _load(conn: Connection, batch: list[BulkPlace], **overrides: Any) -> BulkReport:
    options: dict[str, Any] = {
        "approve": True,
        "valid_from": VALID_FROM,
        "reason": "first phase",
    }
    return load_places(conn, ACTOR, batch, **(options | overrides))


def _current(conn: Connection, place_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The open versions of each of ``place_ids``, by valid time, as column → value."""
    rows = conn.execute(
        text(
            "SELECT place_id, to_jsonb(v) - 'location' || jsonb_build_object("
            "  'location', ST_AsText(location), 'valid_text', valid::text,"
            "  'recorded_open', upper_inf(recorded) AND NOT isempty(recorded),"
            "  'recorded_from_tx', lower(recorded) = (SELECT created_at FROM change_transaction t"
            "                                         WHERE t.id = v.tx_id)) AS row"
            " FROM place_version v WHERE place_id = ANY(:ids) AND upper_inf(recorded)"
            " ORDER BY lower(valid)"
        ),
        {"ids": place_ids},
    )
    found: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        found.setdefault(r.place_id, []).append(r.row)
    return found


@pytest.fixture
def batch(conn: Connection) -> list[BulkPlace]:
    return _batch(conn)


def test_loads_the_batch_in_one_change_transaction(
    conn: Connection, batch: list[BulkPlace]
) -> None:
    report = _load(conn, batch)

    sea = len(batch) - 2
    assert 190 <= len(batch) <= 230
    assert report.read == len(batch)
    assert report.rejected == (
        Rejection(sea, "outside-commune"),
        Rejection(sea + 1, "outside-commune"),
    )
    assert report.loaded == report.issued == len(batch) - 2
    assert report.place_ids[sea] is None and report.place_ids[sea + 1] is None
    loaded = [pid for pid in report.place_ids if pid is not None]
    assert len(set(loaded)) == report.loaded
    counts = conn.execute(
        text(
            "SELECT count(*) AS versions, count(DISTINCT place_id) AS places,"
            " count(DISTINCT tx_id) AS transactions, min(tx_id) AS tx"
            " FROM place_version WHERE place_id = ANY(:ids)"
        ),
        {"ids": loaded},
    ).one()
    assert (counts.places, counts.transactions) == (report.loaded, 1)
    assert counts.versions == report.versions == report.loaded + report.admin_splits
    assert counts.tx == report.tx_id
    sealed = conn.execute(
        text("SELECT seq, reason FROM change_transaction WHERE id = :id"), {"id": report.tx_id}
    ).one()
    assert sealed.seq == report.seq and sealed.seq is not None
    assert sealed.reason == "first phase"


def test_every_active_place_has_a_unique_code_of_its_zone(
    conn: Connection, batch: list[BulkPlace]
) -> None:
    report = _load(conn, batch)

    rows = conn.execute(
        text(
            "SELECT DISTINCT v.place_id, v.code, v.status, ST_X(v.location) AS lon,"
            " ST_Y(v.location) AS lat, c.zone, c.serial, c.status AS issuance,"
            " c.place_id AS issued_to, c.tx_id"
            " FROM place_version v JOIN code_issuance c ON c.code = v.code"
            " WHERE v.place_id = ANY(:ids)"
        ),
        {"ids": [pid for pid in report.place_ids if pid is not None]},
    ).all()
    assert len(rows) == report.loaded
    assert len({r.code for r in rows}) == len(rows)
    for r in rows:
        code = Code(r.code)  # raises unless the check digits and zone are valid
        assert r.status == "active" and r.issuance == "issued"
        assert r.issued_to == r.place_id and r.tx_id == report.tx_id
        assert code.zone == r.zone == zone_of(r.lon, r.lat)
        assert code == make_code(r.zone, r.serial)


@pytest.mark.parametrize("by_point_below", [bulk.BY_POINT_BELOW, 0.0], ids=["by-point", "by-part"])
def test_commune_and_province_are_those_the_point_location_gives(
    conn: Connection, batch: list[BulkPlace], by_point_below: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "BY_POINT_BELOW", by_point_below)
    report = _load(conn, batch)

    cut = 0
    for ref, place_id in enumerate(report.place_ids):
        if place_id is None:
            continue
        rows = conn.execute(
            text(
                "SELECT lower(valid) AS valid_from, upper(valid) AS valid_to, commune_unit_id,"
                " province_unit_id, change FROM place_version"
                " WHERE place_id = :p AND upper_inf(recorded) ORDER BY lower(valid)"
            ),
            {"p": place_id},
        ).all()
        assert rows[0].valid_from == VALID_FROM and rows[-1].valid_to is None
        for before, after in itertools.pairwise(rows):
            assert before.valid_to == after.valid_from
        for row in rows:
            day = max(row.valid_from, admin_units.REFORM_DATE)
            commune = admin_units.containing(conn, "commune", batch[ref].lon, batch[ref].lat, day)
            assert commune is not None
            province = admin_units.parent_chain(conn, commune, day)[-1]
            assert (row.commune_unit_id, row.province_unit_id) == (
                commune.version_id,
                province.version_id,
            )
            assert province.level == "province" and row.change == "approve"
        cut += len(rows) - 1
    # Đồng Nai's communes and province changed on 2026-04-30 (a city since): its places
    # have facts until then and from then on.
    assert cut == report.admin_splits > 0
    assert report.versions == report.loaded + cut


def test_units_point_at_their_buildings(conn: Connection, batch: list[BulkPlace]) -> None:
    report = _load(conn, batch)

    units = [(ref, row) for ref, row in enumerate(batch) if row.kind == "unit"]
    loaded_units = [(ref, row) for ref, row in units if report.place_ids[ref] is not None]
    assert len(loaded_units) == len(units) - 1 >= 30
    current = _current(conn, [report.place_ids[ref] for ref, _ in loaded_units])  # type: ignore[misc]
    for ref, row in loaded_units:
        assert row.parent_ref is not None
        for version in current[report.place_ids[ref]]:  # type: ignore[index]
            assert version["parent_place_id"] == report.place_ids[row.parent_ref]
            assert version["kind"] == "unit" and version["unit_kind"] == row.unit_kind


def _facts(row: BulkPlace) -> places.Facts:
    return places.Facts(
        kind=row.kind,
        lon=row.lon,
        lat=row.lat,
        location_method=row.location_method,
        source=row.source,
        house_number=row.house_number,
        street_name=row.street_name,
        hamlet=row.hamlet,
        unit_kind=row.unit_kind,
        accuracy_m=row.accuracy_m,
        physical_state=row.physical_state,
    )


def _samples(conn: Connection, batch: list[BulkPlace], report: BulkReport) -> list[int]:
    """Buildings with an alley number, a slash number and none; a flat; a building in
    Đồng Nai, whose facts are cut on 2026-04-30."""
    refs = [
        next(i for i, r in enumerate(batch) if r.kind == "building" and r.house_number == n)
        for n in ("số 7 ngõ 12 ngách 5", "45/12/7", None)
    ]
    refs.append(next(i for i, r in enumerate(batch) if r.unit_kind == "flat"))
    loaded = [pid for pid in report.place_ids if pid is not None]
    versions = _current(conn, loaded)
    refs.append(
        next(
            i
            for i, pid in enumerate(report.place_ids)
            if pid is not None and batch[i].kind == "building" and len(versions[pid]) == 2
        )
    )
    return refs


# These differ between any two places, or any two change transactions.
_OWN = ("id", "place_id", "tx_id", "code", "recorded")


def _same_columns(bulk: dict[str, Any], one: dict[str, Any]) -> None:
    assert {k for k, v in bulk.items() if v is not None} == {
        k for k, v in one.items() if v is not None
    }
    assert {k: v for k, v in bulk.items() if k not in _OWN} == {
        k: v for k, v in one.items() if k not in _OWN
    }
    assert bulk["recorded_open"] and bulk["recorded_from_tx"]


@pytest.mark.parametrize("approve", [True, False])
def test_rows_look_like_those_of_the_one_at_a_time_path(
    conn: Connection, batch: list[BulkPlace], approve: bool
) -> None:
    report = _load(conn, batch, approve=approve)
    refs = _samples(conn, batch, report)
    with changes.recording(conn, ACTOR, "one at a time") as tx:
        normal: list[int] = []
        for ref in refs:
            facts = _facts(batch[ref])
            if batch[ref].parent_ref is not None:
                parent = report.place_ids[batch[ref].parent_ref]
                facts = dataclasses.replace(facts, parent_place_id=parent)
            version = places.propose(conn, tx, facts, VALID_FROM)
            if approve:
                version = places.approve(conn, tx, version.place_id, VALID_FROM)
            normal.append(version.place_id)
    bulk_rows = _current(conn, [report.place_ids[ref] for ref in refs])  # type: ignore[misc]
    normal_rows = _current(conn, normal)

    for ref, normal_id in zip(refs, normal, strict=True):
        bulk = bulk_rows[report.place_ids[ref]]  # type: ignore[index]
        one = normal_rows[normal_id]
        assert len(bulk) == len(one)
        for bulk_version, one_version in zip(bulk, one, strict=True):
            _same_columns(bulk_version, one_version)
        assert [v["change"] for v in bulk] == (
            ["approve"] * len(bulk)
            if approve
            else ["propose"] + ["admin-boundary"] * (len(bulk) - 1)
        )
        assert {v["status"] for v in bulk} == {"active" if approve else "proposed"}
        assert bulk[0]["valid_text"].startswith("[2026-01-01,")
        assert len({v["code"] for v in bulk}) == 1
        assert (bulk[0]["code"] is not None) is approve
    assert [len(bulk_rows[report.place_ids[ref]]) for ref in refs] == [1, 1, 1, 1, 2]  # type: ignore[index]


def test_a_proposal_load_issues_no_code(conn: Connection, batch: list[BulkPlace]) -> None:
    report = _load(conn, batch[:40], approve=False)

    assert report.loaded == 40 and report.issued == 0
    issued = conn.execute(
        text("SELECT count(*) FROM code_issuance WHERE tx_id = :tx"), {"tx": report.tx_id}
    ).scalar_one()
    assert issued == 0


def test_before_the_reform_the_2025_commune_is_recorded(conn: Connection) -> None:
    # as registry.places._derive does: the commune in force on 2025-07-01 at the earliest
    hoan_kiem = BulkPlace(kind="building", lon=105.8522, lat=21.0287, source="test")
    report = _load(conn, [hoan_kiem], approve=False, valid_from=date(2024, 5, 1))

    ((version,),) = _current(conn, [report.place_ids[0]]).values()  # type: ignore[list-item]
    commune = admin_units.containing(conn, "commune", 105.8522, 21.0287, date(2025, 7, 1))
    assert commune is not None and version["commune_unit_id"] == commune.version_id
    assert version["valid_text"] == "[2024-05-01,)"


def test_collisions_are_drawn_again_within_the_serial_space(
    conn: Connection, batch: list[BulkPlace]
) -> None:
    report = _load(conn, batch, serial_space=400)

    serials = conn.execute(
        text("SELECT zone, serial FROM code_issuance WHERE tx_id = :tx"), {"tx": report.tx_id}
    ).all()
    assert len(serials) == report.loaded == report.issued
    assert all(0 <= s.serial < 400 for s in serials)
    assert len(set(serials)) == len(serials)


def test_a_zone_too_small_for_the_batch_fails_the_load(
    conn: Connection, batch: list[BulkPlace]
) -> None:
    with pytest.raises(ZoneFull):
        _load(conn, batch, serial_space=10)


def test_bad_rows_are_reported_and_the_rest_loaded(conn: Connection) -> None:
    good = BulkPlace(kind="building", lon=106.7009, lat=10.7769, source="test")
    rows = [
        good,
        BulkPlace(kind="castle", lon=106.7009, lat=10.7769, source="test"),
        BulkPlace(kind="building", lon=float("nan"), lat=10.7769, source="test"),
        BulkPlace(kind="unit", lon=106.7009, lat=10.7769, source="test"),
        BulkPlace(kind="unit", lon=106.7009, lat=10.7769, source="test", parent_ref=5),
        BulkPlace(kind="building", lon=100.5, lat=13.75, source="test"),  # Bangkok
        BulkPlace(kind="building", lon=106.7009, lat=10.7769, source="test", physical_state="x"),
        BulkPlace(kind="unit", lon=106.7009, lat=10.7769, source="test", parent_ref=5),
    ]
    report = _load(conn, rows)

    assert report.loaded == 1 and report.place_ids[0] is not None
    assert [(r.ref, r.reason) for r in report.rejected] == [
        (1, "invalid-kind"),
        (2, "invalid-coordinate"),
        (3, "invalid-parent"),
        (4, "invalid-parent"),
        (5, "outside-zone-grid"),
        (6, "invalid-physical-state"),
        (7, "parent-not-loaded"),
    ]


@pytest.mark.parametrize("written", [n for n in HOUSE_NUMBERS if n] + ["P.302, tòa A", "ngõ Huế"])
def test_house_number_parts_are_those_of_dataclasses_asdict(written: str) -> None:
    parts = parse_house_number(written)
    assert json.loads(house_number(written)[1]) == json.loads(
        json.dumps(dataclasses.asdict(parts), ensure_ascii=False)
    )


def _entries(conn: Connection, place_ids: list[int]) -> list[tuple[Any, ...]]:
    rows = conn.execute(
        text(
            "SELECT ref_id, code, label, context, folded, tsv::text, label_folded, weight,"
            " commune_unit_id, province_unit_id, ST_AsText(location)"
            " FROM search_entry WHERE kind = 'place' AND ref_id = ANY(:ids) ORDER BY ref_id"
        ),
        {"ids": place_ids},
    )
    return [tuple(r) for r in rows]


def test_autocomplete_finds_the_loaded_places(conn: Connection, batch: list[BulkPlace]) -> None:
    report = _load(conn, batch)

    for written in ("45/12/7", "số 7 ngõ 12 ngách 5", "P.302"):
        ref = next(
            i
            for i, r in enumerate(batch)
            if r.house_number == written and report.place_ids[i] is not None
        )
        row = batch[ref]
        street = row.street_name or row.hamlet or ""
        found = autocomplete(conn, f"{written} {street}", near=(row.lon, row.lat))
        assert found, written
        assert (found[0].kind, found[0].id) == ("place", report.place_ids[ref]), written


def test_search_entries_are_those_the_trigger_writes(
    conn: Connection, batch: list[BulkPlace]
) -> None:
    report = _load(conn, batch)
    loaded = [pid for pid in report.place_ids if pid is not None]

    bulk_entries = _entries(conn, loaded)
    assert len(bulk_entries) == report.loaded  # every place is active, with a code, today
    conn.execute(
        text("DELETE FROM search_entry WHERE kind = 'place' AND ref_id = ANY(:ids)"),
        {"ids": loaded},
    )
    conn.execute(text("SELECT search_refresh_places(:ids)"), {"ids": loaded})
    assert _entries(conn, loaded) == bulk_entries


def test_the_search_trigger_works_again_after_the_load(
    conn: Connection, batch: list[BulkPlace]
) -> None:
    report = _load(conn, batch[:20])
    with changes.recording(conn, ACTOR, "one at a time") as tx:
        version = places.propose(conn, tx, _facts(batch[0]), VALID_FROM)
        places.approve(conn, tx, version.place_id, VALID_FROM)

    assert conn.execute(text("SELECT search_sync()")).scalar_one()
    assert len(_entries(conn, [version.place_id])) == 1
    assert len(_entries(conn, [p for p in report.place_ids if p is not None])) == 20


def test_a_caller_that_turned_search_sync_off_gets_no_entries(
    conn: Connection, batch: list[BulkPlace]
) -> None:
    conn.execute(text("SET LOCAL diachi.search_sync = 'off'"))  # search_rebuild() to follow
    report = _load(conn, batch[:20])

    assert _entries(conn, [p for p in report.place_ids if p is not None]) == []
    assert not conn.execute(text("SELECT search_sync()")).scalar_one()


def test_tiles_of_the_loaded_places_are_invalidated_and_counted(
    conn: Connection, batch: list[BulkPlace]
) -> None:
    today_cells = text(
        "SELECT coalesce(sum(n), 0) FROM tile_place_cell"
        " WHERE z = 13 AND lo <= CURRENT_DATE AND hi > CURRENT_DATE"
    )
    cells_before = conn.execute(today_cells).scalar_one()
    report = _load(conn, batch)

    current = conn.execute(
        text(
            "SELECT count(*) FROM place_version WHERE tx_id = :tx AND upper_inf(recorded)"
            " AND valid @> CURRENT_DATE"
        ),
        {"tx": report.tx_id},
    ).scalar_one()
    cells_after = conn.execute(today_cells).scalar_one()
    assert cells_after - cells_before == current == report.loaded
    uncovered = conn.execute(
        text(
            "SELECT count(*) FROM place_version v WHERE v.tx_id = :tx AND NOT EXISTS ("
            "  SELECT 1 FROM tile_dirty d WHERE d.xid = pg_current_xact_id()"
            "    AND 'places' = ANY(d.layers)"
            "    AND ST_Intersects(d.env, ST_Transform(v.location, 3857)))"
        ),
        {"tx": report.tx_id},
    ).scalar_one()
    assert uncovered == 0


def test_rows_converted_piece_by_piece_are_those_of_one_piece() -> None:
    """Pieces: the same COPY rows, in order, and the same rejections, with their index in
    the whole batch (a unit may refer to a building of an earlier piece; one whose parent
    would come later is refused)."""
    batch = []
    for i in range(40):
        lon = 106.7 + i / 1000
        batch.append(
            BulkPlace(
                kind="building",
                lon=lon,
                lat=10.78,
                source="t",
                house_number=f"{i}/{i % 7}A",
                street_name="Lê Lợi",
            )
        )
        batch.append(
            BulkPlace(
                kind="unit", lon=lon, lat=10.78, source="t", unit_kind="flat", parent_ref=2 * i
            )
        )
    batch[13] = dataclasses.replace(batch[13], parent_ref=60)  # refers forward
    batch[50] = dataclasses.replace(batch[50], kind="villa")
    batch[71] = dataclasses.replace(batch[71], lon=float("nan"))
    whole = list(bulk_rows.pieces(batch, None, piece_rows=len(batch)))
    cut = list(bulk_rows.pieces(batch, None, piece_rows=7))
    assert len(whole) == 1 and len(cut) == 12
    assert [r for p in cut for r in p.rows] == whole[0].rows
    assert [r[0] for r in whole[0].rows] == [r for r in range(80) if r not in (13, 50, 71)]
    assert (
        [r for p in cut for r in p.rejected]
        == whole[0].rejected
        == [
            Rejection(13, "invalid-parent"),
            Rejection(50, "invalid-kind"),
            Rejection(71, "invalid-coordinate"),
        ]
    )
    assert sum(p.count for p in cut) == len(batch)


def _indexes(conn: Connection, table: str) -> list[tuple[str, int, str]]:
    """(name, oid, definition) of every index of ``table``, by name."""
    rows = conn.execute(
        text(
            "SELECT indexrelid::regclass::text, indexrelid, pg_get_indexdef(indexrelid)"
            " FROM pg_index WHERE indrelid = CAST(:t AS regclass) ORDER BY 1"
        ),
        {"t": table},
    )
    return [(name, oid, definition) for name, oid, definition in rows]


def _rebuilt(after: list[tuple[str, int, str]], before: list[tuple[str, int, str]]) -> set[str]:
    """The indexes made again (same names and definitions, new oids)."""
    assert [(n, d) for n, _, d in after] == [(n, d) for n, _, d in before]
    return {n for (n, oid, _), (_, old, _) in zip(after, before, strict=True) if oid != old}


def test_a_load_larger_than_the_autocomplete_table_rebuilds_its_indexes(
    conn: Connection, batch: list[BulkPlace]
) -> None:
    """With fewer entries than the load writes, the secondary indexes are made again
    (new ones, the same definitions) and find the loaded places; otherwise they are kept."""
    before = _indexes(conn, "search_entry")
    _load(conn, batch[:40])  # the admin units' entries outnumber these: indexes kept
    assert _indexes(conn, "search_entry") == before

    conn.execute(text("DELETE FROM search_entry"))
    report = _load(conn, batch[40:])
    assert _rebuilt(_indexes(conn, "search_entry"), before) == {
        "ix_search_entry_label",
        "ix_search_entry_location",
        "ix_search_entry_rank",
        "ix_search_entry_tsv",
    }
    ref = next(i for i, r in enumerate(batch[40:]) if r.kind == "building")
    row, place_id = batch[40 + ref], report.place_ids[ref]
    found = autocomplete(conn, f"{row.house_number} {row.street_name}", near=(row.lon, row.lat))
    assert found and (found[0].kind, found[0].id) == ("place", place_id)


def test_serials_are_drawn_uniformly_below_the_space() -> None:
    """200 serials, 200,000 draws: every serial comes, each within 25 % of its expected
    1,000 (a modulo of single bytes would give serials 0-55 twice as often)."""
    drawn = bulk_rows._serials(200_000, 200)
    counts = Counter(drawn)
    assert len(drawn) == 200_000 and set(counts) == set(range(200))
    assert all(750 < n < 1250 for n in counts.values())
    assert len(bulk_rows._serials(3, 10**8)) == 3


def test_a_load_larger_than_the_registry_rebuilds_the_version_indexes(
    conn: Connection, batch: list[BulkPlace]
) -> None:
    """Into a registry with fewer versions than the load writes, the secondary indexes of
    place_version are made again (the same definitions), the primary key and the exclusion
    constraint kept; a smaller load keeps them all; both loads are found through them."""
    before = _indexes(conn, "place_version")
    assert conn.execute(text("SELECT count(*) FROM place_version")).scalar_one() == 0
    first = _load(conn, batch[:120])
    rebuilt = _indexes(conn, "place_version")
    assert _rebuilt(rebuilt, before) == {
        "ix_place_version_current_house",
        "ix_place_version_current_location",
        "ix_place_version_current_osm_id",
        "ix_place_version_place_id",
        "ix_place_version_tx_id",
    }
    second = _load(conn, batch[120:])  # fewer than the 120 there: indexes kept
    assert _indexes(conn, "place_version") == rebuilt
    for report in (first, second):
        place_id = next(p for p in report.place_ids if p is not None)
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        found = conn.execute(
            text("SELECT count(*) FROM place_version WHERE place_id = :p AND upper_inf(recorded)"),
            {"p": place_id},
        ).scalar_one()
        assert found == 1
