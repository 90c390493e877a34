"""Places through the API: lifecycle, history, lookup by code, lineage, privacy."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection

from registry.admin_units import today
from registry.codes import parse_code
from tests.web.factories import bearer, facts_body, make_place, place_body
from tests.web.problems import assert_problem
from web.schemas_places import PlaceOut


@pytest.fixture
def field(conn: Connection) -> dict[str, str]:
    return bearer(conn, "field")


@pytest.fixture
def review(conn: Connection) -> dict[str, str]:
    return bearer(conn, "review")


def test_proposal_has_no_code_until_approved(
    client: TestClient, field: dict[str, str], review: dict[str, str]
) -> None:
    proposed = make_place(client, field)
    assert proposed["status"] == "proposed" and proposed["code"] is None
    assert proposed["commune"] == {"code": "27139", "name": "Phường Xuân Hòa"}
    assert proposed["province"]["code"] == "79"
    assert proposed["house_number_parts"]["alleys"][0]["number"] == "12"
    assert proposed["plus_code"] == "7P28QMMQ+WR"
    approved = client.post(f"/places/{proposed['id']}/approve", headers=review).json()
    assert approved["status"] == "active"
    code = parse_code(approved["code"])
    assert str(code) == approved["code"]  # grouped "ZZSS SSSS SSCC"
    looked_up = client.get(f"/places/{code.value}")
    assert looked_up.status_code == 200
    PlaceOut.model_validate(looked_up.json())
    assert looked_up.json()["id"] == proposed["id"]


def test_code_lookup_accepts_any_grouping(
    client: TestClient, field: dict[str, str], review: dict[str, str]
) -> None:
    code = make_place(client, field, review)["code"]
    digits = code.replace(" ", "")
    for form in (
        code,
        digits,
        f"{digits[:4]}-{digits[4:8]}-{digits[8:]}",
        f"{digits[:4]}.{digits[4:]}",
    ):
        assert client.get(f"/places/{form}").json()["code"] == code


def test_scopes_are_enforced(client: TestClient, field: dict[str, str]) -> None:
    assert_problem(client.post("/places", json=place_body()), 401, "unauthorized")
    assert_problem(
        client.post("/places", json=place_body(), headers={"Authorization": "Bearer dc_wrong"}),
        401,
        "unauthorized",
    )
    proposed = make_place(client, field)
    assert_problem(
        client.post(f"/places/{proposed['id']}/approve", headers=field), 403, "forbidden"
    )


def test_update_keeps_history_and_answers_as_of_dates(
    client: TestClient, field: dict[str, str], review: dict[str, str]
) -> None:
    place = make_place(client, field, review)
    code = place["code"]
    r = client.patch(
        f"/places/{code}",
        json={"house_number": "14", "valid_from": "2026-06-01", "reason": "đánh số lại"},
        headers=field,
    )
    assert r.status_code == 200, r.text
    assert (
        client.get(f"/places/{code}", params={"at": "2026-05-31"}).json()["house_number"] == "12/3A"
    )
    assert client.get(f"/places/{code}", params={"at": "2026-06-01"}).json()["house_number"] == "14"
    known_before = place["recorded_from"]
    as_known = client.get(f"/places/{code}", params={"at": "2026-06-02", "known_at": known_before})
    assert as_known.json()["house_number"] == "12/3A"  # what the registry knew then
    history = client.get(f"/places/{code}/history").json()
    assert [h["version"]["house_number"] for h in history].count("12/3A") >= 2
    assert all(h["organisation"] == "UBND phường Xuân Hòa" for h in history)
    assert all(h["person"] is None for h in history)  # public: no person
    reviewed = client.get(f"/places/{code}/history", headers=review).json()
    assert {h["person"] for h in reviewed} == {"Nguyễn Văn Kiểm"}
    assert any(h["reason"] == "đánh số lại" for h in history)


def test_retired_code_answers_200_with_successors_never_404(
    client: TestClient, field: dict[str, str], review: dict[str, str]
) -> None:
    old = make_place(client, field, review)
    new = make_place(client, field, review, house_number="14")
    r = client.post(
        f"/places/{old['code']}/retire",
        json={"reason": "phá dỡ", "successors": [new["code"]], "valid_from": "2026-03-01"},
        headers=review,
    )
    assert r.status_code == 200, r.text
    body = client.get(f"/places/{old['code']}").json()
    assert body["status"] == "retired"
    assert body["retire_reason"] == "phá dỡ"
    assert body["valid_from"] == "2026-03-01"
    assert body["successors"] == [{"code": new["code"], "kind": "successor"}]
    assert (
        client.get(f"/places/{old['code']}", params={"at": "2026-02-01"}).json()["status"]
        == "active"
    )
    assert_problem(
        client.post(f"/places/{old['code']}/retire", json={"reason": "x"}, headers=review),
        409,
        "conflict",
    )


def test_unknown_code_404_malformed_422_with_suggestion(
    client: TestClient, field: dict[str, str], review: dict[str, str]
) -> None:
    code = parse_code(make_place(client, field, review)["code"])
    digits = str(code.value).zfill(12)
    typo = digits[:5] + str((int(digits[5]) + 1) % 10) + digits[6:]
    body = assert_problem(client.get(f"/places/{typo}"), 422, "invalid-code")
    assert any(str(code) in e["message"] for e in body["errors"])
    swapped = digits[:6] + digits[7] + digits[6] + digits[8:]
    if swapped != digits:
        body = assert_problem(client.get(f"/places/{swapped}"), 422, "invalid-code")
        assert any(str(code) in e["message"] for e in body["errors"])
    assert_problem(client.get("/places/12345"), 422, "invalid-code")
    # a well-formed code nobody was issued
    from registry.codes import make_code

    unissued = make_code(code.zone, (code.serial + 1) % 10**8)
    assert_problem(client.get(f"/places/{unissued.value}"), 404, "not-found")


def test_withdraw_a_proposal(
    client: TestClient, field: dict[str, str], review: dict[str, str]
) -> None:
    proposed = make_place(client, field)
    r = client.post(f"/places/{proposed['id']}/withdraw", json={"reason": "trùng"}, headers=review)
    assert r.json()["status"] == "withdrawn"
    assert_problem(
        client.post(f"/places/{proposed['id']}/approve", headers=review), 409, "conflict"
    )


def test_merge_duplicates_survivor_keeps_code(
    client: TestClient, field: dict[str, str], review: dict[str, str]
) -> None:
    a = make_place(client, field, review)
    b = make_place(client, field, review)
    r = client.post(
        "/places/merge",
        json={"codes": [a["code"], b["code"]], "survivor": a["code"], "reason": "bản ghi trùng"},
        headers=review,
    )
    assert r.status_code == 200, r.text
    assert r.json()["code"] == a["code"] and r.json()["status"] == "active"
    gone = client.get(f"/places/{b['code']}").json()
    assert gone["status"] == "retired"
    assert gone["successors"] == [{"code": a["code"], "kind": "duplicate"}]


def test_physical_merge_and_split_issue_new_codes(
    client: TestClient, field: dict[str, str], review: dict[str, str]
) -> None:
    a = make_place(client, field, review, kind="building")
    b = make_place(client, field, review, kind="building")
    merged = client.post(
        "/places/merge",
        json={"codes": [a["code"], b["code"]], "place": facts_body(), "reason": "gộp hai căn"},
        headers=review,
    ).json()
    assert merged["code"] not in (a["code"], b["code"])
    assert {p["code"] for p in client.get(f"/places/{merged['code']}").json()["predecessors"]} == {
        a["code"],
        b["code"],
    }
    parts = client.post(
        f"/places/{merged['code']}/split",
        json={
            "parts": [facts_body(house_number="12A"), facts_body(house_number="12B")],
            "reason": "tách",
        },
        headers=review,
    )
    assert parts.status_code == 201, parts.text
    new_codes = {p["code"] for p in parts.json()}
    assert len(new_codes) == 2 and merged["code"] not in new_codes
    after = client.get(f"/places/{merged['code']}").json()
    assert after["status"] == "retired"
    assert {s["code"] for s in after["successors"]} == new_codes


def test_unit_needs_a_parent_and_links_to_it(
    client: TestClient, field: dict[str, str], review: dict[str, str]
) -> None:
    assert_problem(
        client.post("/places", json=place_body(kind="unit", unit_kind="flat"), headers=field),
        422,
        "invalid-input",
    )
    building = make_place(client, field, review)
    flat = make_place(client, field, review, kind="unit", unit_kind="flat", parent=building["id"])
    assert flat["parent"] == building["id"] and flat["unit_kind"] == "flat"


def test_location_outside_vietnam_is_rejected(client: TestClient, field: dict[str, str]) -> None:
    body = assert_problem(
        client.post("/places", json=place_body(lon=110.5, lat=10.0), headers=field),
        422,
        "invalid-input",
    )
    assert "commune" in body["detail"]
    assert_problem(
        client.post("/places", json=place_body(lat=95), headers=field), 422, "invalid-input"
    )


def test_nearby_hides_proposals_from_the_public(
    client: TestClient, field: dict[str, str], review: dict[str, str]
) -> None:
    active = make_place(client, field, review)
    proposed = make_place(client, field, lon=106.68960)
    public = client.get("/places", params={"near": "106.68957,10.784813", "radius": 50}).json()
    ids = {p["id"] for p in public["items"]}
    assert active["id"] in ids and proposed["id"] not in ids
    assert public["items"][0]["distance_m"] < 1
    reviewer = client.get(
        "/places", params={"near": "106.68957,10.784813", "radius": 50}, headers=review
    ).json()
    assert proposed["id"] in {p["id"] for p in reviewer["items"]}
    assert_problem(
        client.get("/places", params={"near": "106.68957,10.784813", "status": "proposed"}),
        403,
        "forbidden",
    )


def test_occupancy_is_private_everywhere(
    client: TestClient, conn: Connection, field: dict[str, str], review: dict[str, str]
) -> None:
    place = make_place(client, field, review)
    secret = "Hộ bà Trần Thị Bí Mật"
    r = client.post(
        f"/places/{place['code']}/occupancies",
        json={"kind": "household", "name": secret, "registration_number": "079123456789"},
        headers=review,
    )
    assert r.status_code == 201, r.text
    private = bearer(conn, "private-read")
    listed = client.get(f"/places/{place['code']}/occupancies", headers=private).json()
    assert listed[0]["name"] == secret
    assert_problem(client.get(f"/places/{place['code']}/occupancies"), 401, "unauthorized")
    assert_problem(
        client.get(f"/places/{place['code']}/occupancies", headers=field), 403, "forbidden"
    )
    public_texts = [
        client.get(f"/places/{place['code']}").text,
        client.get(f"/places/{place['code']}.geojson").text,
        client.get(f"/places/{place['code']}/history").text,
        client.get("/changes", params={"limit": 10000}).text,
        client.get("/places", params={"near": "106.68957,10.784813"}).text,
    ]
    for text in public_texts:
        assert secret not in text and "079123456789" not in text


def test_retried_proposal_with_idempotency_key_creates_one_place(
    client: TestClient, conn: Connection, field: dict[str, str]
) -> None:
    from sqlalchemy import text

    headers = {**field, "Idempotency-Key": "dossier-2026-000123"}
    first = client.post("/places", json=place_body(), headers=headers)
    again = client.post("/places", json=place_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    count = conn.execute(text("SELECT count(*) FROM place")).scalar_one()
    assert count == 1
    changed = client.post("/places", json=place_body(house_number="99"), headers=headers)
    assert_problem(changed, 422, "idempotency-key-reused")


def test_leased_code_is_issued_offline_and_the_rest_burnt(
    client: TestClient, field: dict[str, str], review: dict[str, str]
) -> None:
    lease = client.post(
        "/code-leases",
        json={"device": "kobo-27139-01", "count": 3, "lon": 106.68957, "lat": 10.784813},
        headers=field,
    )
    assert lease.status_code == 201, lease.text
    codes = [c["code"] for c in lease.json()["codes"]]
    proposed = make_place(client, field)
    approved = client.post(
        f"/places/{proposed['id']}/approve", json={"leased_code": codes[0]}, headers=review
    )
    assert approved.json()["code"] == codes[0]
    released = client.post(f"/code-leases/{lease.json()['id']}/release", headers=field).json()
    statuses = {c["code"]: c["status"] for c in released["codes"]}
    assert statuses[codes[0]] == "issued"
    assert {statuses[c] for c in codes[1:]} == {"burnt"}
    other = make_place(client, field)
    assert_problem(
        client.post(
            f"/places/{other['id']}/approve", json={"leased_code": codes[1]}, headers=review
        ),
        409,
        "conflict",
    )


def test_unit_change_adds_a_new_attribute_version(
    client: TestClient, conn: Connection, field: dict[str, str], review: dict[str, str]
) -> None:
    """Đồng Nai became a centrally-run city on 2026-04-30: a place recorded from
    2026-01-01 keeps Tỉnh Đồng Nai before that day and gets the city after."""
    from sqlalchemy import text

    lon, lat = conn.execute(
        text(
            "SELECT ST_X(g), ST_Y(g) FROM (SELECT ST_PointOnSurface(boundary) AS g FROM admin_unit"
            " WHERE level = 'commune' AND parent_code = '75' AND boundary IS NOT NULL"
            " ORDER BY code LIMIT 1) s"
        )
    ).one()
    place = make_place(client, field, review, lon=lon, lat=lat)
    before = client.get(f"/places/{place['code']}", params={"at": "2026-03-01"}).json()
    after = client.get(f"/places/{place['code']}", params={"at": "2026-05-01"}).json()
    assert before["province"] == {"code": "75", "name": "Tỉnh Đồng Nai"}
    assert after["province"] == {"code": "75", "name": "Thành phố Đồng Nai"}
    history = client.get(f"/places/{place['code']}/history", headers=review).json()
    assert any(h["version"]["change"] == "admin-boundary" for h in history)
    assert after["code"] == before["code"] == place["code"]


def test_lookup_json_built_in_sql_equals_the_response_model(
    client: TestClient, conn: Connection, field: dict[str, str], review: dict[str, str]
) -> None:
    from registry import places as registry_places
    from registry.codes import parse_code as parse

    old = make_place(
        client, field, review, postcode="700000", parcel={"sheet": "12", "number": "3"}
    )
    new = make_place(client, field, review, house_number="14")
    client.post(
        f"/places/{old['code']}/retire",
        json={"reason": "phá dỡ", "successors": [new["code"]]},
        headers=review,
    )
    for code in (old["code"], new["code"]):
        served = PlaceOut.model_validate_json(client.get(f"/places/{code}").text)
        view = registry_places.view(conn, parse(code), today(), None)
        assert served == PlaceOut.of(view.version, view)
