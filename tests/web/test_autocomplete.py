"""/autocomplete: prefixes, diacritics, typos, nearer first, kept up to date by triggers."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from geo.geocode.autocomplete import Vocabulary
from tests.web.factories import XUAN_HOA, bearer, make_place
from tests.web.problems import assert_problem
from web.schemas_autocomplete import AutocompleteOut

NEAR = f"{XUAN_HOA[0]},{XUAN_HOA[1]}"


def _suggest(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    r = client.get("/autocomplete", params=params)
    assert r.status_code == 200, r.text
    return [s.model_dump() for s in AutocompleteOut.model_validate(r.json()).items]


def _places(client: TestClient, conn: Connection, *numbers: str, **overrides: Any) -> list[Any]:
    field, review = bearer(conn, "field"), bearer(conn, "review")
    return [
        make_place(client, field, review, house_number=n, street="Võ Văn Tần", **overrides)
        for n in numbers
    ]


def test_every_word_is_a_prefix_with_or_without_diacritics(
    client: TestClient, conn: Connection
) -> None:
    (place,) = _places(client, conn, "12/3A")
    for q in ("12/3A Võ Văn Tần", "12/3a vo van t", "12 3 vo v t", "VÕ VĂN TẦN 12", "xuan hoa 12"):
        found = _suggest(client, q=q, near=NEAR)
        assert found and found[0]["code"] == place["code"], q
        assert found[0]["kind"] == "place" and found[0]["match"] == "prefix"
        assert found[0]["label"] == "12/3A Võ Văn Tần"
        assert "Phường Xuân Hòa" in found[0]["context"]


def test_admin_units_are_suggested(client: TestClient) -> None:
    found = _suggest(client, q="phuong xuan ho")
    assert found[0]["kind"] == "admin" and found[0]["label"] == "Phường Xuân Hòa"
    ours = [s for s in found if s["unit_code"] == "27139"]  # another is in Phú Thọ
    assert ours and ours[0]["context"] == "Thành phố Hồ Chí Minh"
    by_province = _suggest(client, q="xuan hoa ho chi minh")
    assert any(s["unit_code"] == "27139" for s in by_province)


def test_a_typo_per_word_is_forgiven(client: TestClient, conn: Connection) -> None:
    (place,) = _places(client, conn, "77")
    for q in ("77 vo vna tan", "77 vo van tna", "77 vo vaan tan", "77 vo van ta xaun hoa"):
        found = _suggest(client, q=q, near=NEAR)
        assert found and found[0]["code"] == place["code"], q
        assert found[0]["match"] == "corrected", q


def test_two_typos_in_a_word_fall_back_to_trigrams_near_the_point(
    client: TestClient, conn: Connection
) -> None:
    (place,) = _places(client, conn, "9")
    found = _suggest(client, q="9 vo van txaan", near=NEAR)
    assert [s["code"] for s in found if s["kind"] == "place"][:1] == [place["code"]]
    assert found[0]["match"] == "similar"
    assert _suggest(client, q="zzqx wwv") == []


def test_nearer_places_come_first(client: TestClient, conn: Connection) -> None:
    lon, lat = XUAN_HOA
    far, near, middle = (
        _places(client, conn, "5", lon=lon + dx, lat=lat)[0] for dx in (0.004, 0.0, 0.002)
    )
    found = _suggest(client, q="5 vo van tan", near=f"{lon},{lat}")
    codes = [s["code"] for s in found if s["kind"] == "place"]
    assert codes[:3] == [near["code"], middle["code"], far["code"]]
    distances = [s["distance_m"] for s in found]
    assert distances == sorted(distances) and distances[0] < 5
    elsewhere = _suggest(client, q="5 vo van tan", near=f"{lon + 0.004},{lat}")
    assert elsewhere[0]["code"] == far["code"]


def test_only_active_places_with_a_code(client: TestClient, conn: Connection) -> None:
    field, review = bearer(conn, "field"), bearer(conn, "review")
    proposed = make_place(client, field, house_number="404", street="Võ Văn Tần")
    assert not any(s["id"] == proposed["id"] for s in _suggest(client, q="404 vo van tan"))
    active = make_place(client, field, review, house_number="405", street="Võ Văn Tần")
    assert _suggest(client, q="405 vo van tan")[0]["code"] == active["code"]
    r = client.post(
        f"/places/{active['code'].replace(' ', '')}/retire",
        json={"reason": "phá dỡ / demolished"},
        headers=review,
    )
    assert r.status_code == 200, r.text
    assert not any(s["code"] == active["code"] for s in _suggest(client, q="405 vo van tan"))


def test_streets_are_suggested_once_per_commune(client: TestClient, conn: Connection) -> None:
    tx = conn.execute(
        text(
            "INSERT INTO change_transaction (organisation, source) VALUES ('OSM', 'import:osm')"
            " RETURNING id"
        )
    ).scalar_one()
    lon, lat = XUAN_HOA
    for i, dy in enumerate((0.0, 0.0005)):  # two ways of one street
        conn.execute(
            text(
                "INSERT INTO street (osm_id, name, name_folded, highway, geom, source, licence,"
                " dataset, tx_id) VALUES (:osm, 'Đường Trần Quốc Thảo', 'duong tran quoc thao',"
                " 'secondary', ST_SetSRID(ST_MakeLine(ST_MakePoint(:x0, :y),"
                " ST_MakePoint(:x1, :y)), 4326), 'osm', 'ODbL-1.0', 'test', :tx)"
            ),
            {"osm": f"w{i}", "x0": lon - 0.0005, "x1": lon + 0.0005, "y": lat + dy, "tx": tx},
        )
    found = [s for s in _suggest(client, q="tran quoc tha") if s["kind"] == "street"]
    assert [(s["label"], s["context"]) for s in found] == [
        ("Đường Trần Quốc Thảo", "Phường Xuân Hòa, Thành phố Hồ Chí Minh")
    ]
    conn.execute(text("DELETE FROM street WHERE dataset = 'test'"))
    assert not any(s["kind"] == "street" for s in _suggest(client, q="tran quoc tha"))


def test_bad_requests_are_422_problems(client: TestClient) -> None:
    assert_problem(client.get("/autocomplete"), 422, "invalid-input")
    assert_problem(client.get("/autocomplete", params={"q": ""}), 422, "invalid-input")
    for near in ("106.7", "a,b", "200,10", "106.7,95"):
        r = client.get("/autocomplete", params={"q": "xuan", "near": near})
        assert assert_problem(r, 422, "invalid-input")["errors"][0]["loc"] == ["query", "near"]
    assert _suggest(client, q="...,") == []


def test_vocabulary_estimates_and_corrections() -> None:
    vocab = Vocabulary([("xuan", 40), ("xuat", 2), ("hoa", 30), ("hoang", 5), ("12", 7)], 100)
    assert vocab.estimate("xua") == 42 and vocab.estimate("hoa") == 35 and vocab.estimate("z") == 0
    assert vocab.corrections("xaun") == ["xuan"]  # two letters swapped
    assert vocab.corrections("hoaa")[:1] == ["hoa"]  # one letter too many
    assert vocab.corrections("12") == [] and vocab.corrections("xu") == []
