"""The geocoder's admin cache answers exactly as its SQL, and reloads after an import."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Connection, text

from geo.geocode import admin, cache
from geo.geocode.forward import geocode
from registry.admin_units import REFORM_DATE
from web.schemas_geocode import GeocodeOut

AT = date(2026, 1, 1)

ADDRESSES = [
    "Số 25, phố Liễu Giai, phường Ngọc Hà, Thành phố Hà Nội",
    "so 25 pho lieu giai phuong ngoc ha ha noi",
    "Phường Võ Thị Sáu, Quận 3, TP. Hồ Chí Minh",
    "Phường 4, Quận 3, Thành phố Hồ Chí Minh",
    "Phường Xuan Hoaa, Thành phố Hồ Chí Minh",
    "P. Xuân Hòa, TP.HCM",
    "xã Mai Thủy, huyện Lệ Thủy, tỉnh Quảng Bình",
    "UBND huyện Côn Đảo (cũ)",
    "Thị trấn Phong Điền, huyện Phong Điền, Thừa Thiên Huế",
    "Phuong Tan Binh, tinh Binh Duong cu, Thanh pho Ho Chi Minh",
    "Xa Dong Hoaa, Tinh Thanh Hoaa",
    "Đăk Lăk",
    "Tinh Dak Lakk",
    "Phường Bến Thành, Quận 1",
    "Phường Bến Thànhh",
    "Nguyễn Văn A, ĐT 0912 345 678, phường Hoàn Kiếm, Hà Nội",
    "zzqx không có gì",
]


def _answers(conn: Connection, query: str) -> dict[str, object]:
    return GeocodeOut.of(geocode(conn, query, AT)).model_dump()


def test_cached_answers_equal_the_sql_answers(
    conn: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    with cache.scope(conn) as loaded:
        assert loaded is not None  # the test database has an admin import
    cached = {q: _answers(conn, q) for q in ADDRESSES}
    monkeypatch.setattr(cache, "_for", lambda conn: (None, None, None))  # every lookup in SQL
    for query in ADDRESSES:
        assert _answers(conn, query) == cached[query], query


@pytest.mark.parametrize(
    "key", ["xuan hoaa", "ngoc haa", "thanh hoaa", "dak lakk", "ben thanhh", "quan 33", "phuongg"]
)
def test_trigram_matches_equal_pg_trgm(conn: Connection, key: str) -> None:
    """(Where a unit has a plain key and an alias key of equal similarity, the SQL's choice
    of ``via_alias`` is unspecified; it does not matter, since a fuzzy match is never exact.
    The keys here have no such tie.)"""
    levels = ["province", "commune", "district"]
    params = {"key": key, "levels": levels, "reform": REFORM_DATE, "at": AT}
    expected = [dict(r._mapping) for r in conn.execute(text(admin._FUZZY_SQL), params)]
    with cache.scope(conn) as loaded:
        assert loaded is not None
        assert loaded.fuzzy_units(key, levels, AT, REFORM_DATE) == expected


def test_trigram_similarity_is_pg_trgm_similarity(conn: Connection) -> None:
    pairs = [("xuan hoaa", "xuan hoa"), ("phuong 4", "phuong 14"), ("a b", "ab"), ("q1", "q 1")]
    for left, right in pairs:
        shared = len(cache.trigrams(left) & cache.trigrams(right))
        union = len(cache.trigrams(left) | cache.trigrams(right))
        sql = conn.execute(text("SELECT similarity(:a, :b)"), {"a": left, "b": right}).scalar()
        assert cache._float4(shared / union) == pytest.approx(sql, abs=1e-7), (left, right)


def test_a_new_import_digest_reloads_the_cache(conn: Connection) -> None:
    with cache.scope(conn) as before:
        assert before is not None
        assert cache.current() is before
        assert admin.units_named(conn, "ten moi xuan hoa", ["commune"], AT) == []
    unit_id = conn.execute(
        text(
            "SELECT id FROM admin_unit WHERE level = 'commune' AND code = '27139'"
            " AND valid @> CAST(:at AS date)"
        ),
        {"at": AT},
    ).scalar_one()
    conn.execute(
        text("INSERT INTO admin_unit_key (unit_id, key) VALUES (:id, 'ten moi xuan hoa')"),
        {"id": unit_id},
    )
    with cache.scope(conn) as same:  # same digest: the cache still holds the old keys
        assert same is before
    conn.execute(text("UPDATE dataset_import SET digest = 'x' WHERE dataset = 'admin-units'"))
    with cache.scope(conn) as after:
        assert after is not None and after is not before
        assert [u.code for u in admin.units_named(conn, "ten moi xuan hoa", ["commune"], AT)] == [
            "27139"
        ]
    assert cache.current() is None  # outside a scope


def test_a_street_added_later_is_seen_by_the_next_geocode(fresh_database_url: str) -> None:
    # Streets are remembered per state of the base map, across reads: a new street must
    # end it, or the commune would stay "not covered" and the street unfound.
    from sqlalchemy import create_engine

    from registry.database import Database

    database = Database(create_engine(fresh_database_url))
    query = "Đường Trần Quốc Thảo, Phường Xuân Hòa, TP.HCM"
    try:
        with database.read() as conn:
            before = geocode(conn, query, AT).candidates[0]
        with database.transaction() as conn:
            tx = conn.execute(
                text(
                    "INSERT INTO change_transaction (organisation, source)"
                    " VALUES ('OSM', 'import:osm') RETURNING id"
                )
            ).scalar_one()
            conn.execute(
                text(
                    "INSERT INTO street (osm_id, name, name_folded, highway, geom, source,"
                    " licence, dataset, tx_id) VALUES ('w9', 'Đường Trần Quốc Thảo',"
                    " 'duong tran quoc thao', 'secondary', ST_SetSRID(ST_MakeLine("
                    "ST_MakePoint(106.6885, 10.7850), ST_MakePoint(106.6895, 10.7850)), 4326),"
                    " 'osm', 'ODbL-1.0', 'test', :tx)"
                ),
                {"tx": tx},
            )
        with database.read() as conn:
            after = geocode(conn, query, AT).candidates[0]
    finally:
        database.dispose()
    assert before.level == "commune"
    assert (after.level, after.street) == ("street", "Đường Trần Quốc Thảo")
