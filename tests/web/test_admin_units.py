"""The /admin-units API on the real loaded data."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.problems import assert_problem
from web.schemas_admin import AdminUnitDetailOut, LocationOut

# A point inside Phường Xuân Hòa, Thành phố Hồ Chí Minh (formerly Võ Thị Sáu, Quận 3).
XUAN_HOA = {"lon": 106.68957, "lat": 10.784813}


def test_point_in_xuan_hoa_resolves_to_ward_27139_in_2025(client: TestClient) -> None:
    r = client.get("/admin-units/locate", params={**XUAN_HOA, "at": "2025-07-01"})
    assert r.status_code == 200, r.text
    loc = LocationOut.model_validate(r.json())
    assert loc.commune is not None and loc.commune.code == "27139"
    assert loc.commune.name == "Phường Xuân Hòa"
    assert loc.province is not None and loc.province.code == "79"
    assert loc.exact == {"commune": True, "province": True}


def test_same_point_before_reform_gives_quan_3_and_candidate_old_wards(
    client: TestClient,
) -> None:
    r = client.get("/admin-units/locate", params={**XUAN_HOA, "at": "2025-06-30"})
    assert r.status_code == 200, r.text
    loc = LocationOut.model_validate(r.json())
    assert loc.commune is None
    assert loc.district is not None and loc.district.code == "770"
    assert loc.district.name == "Quận 3"
    assert loc.province is not None and loc.province.code == "79"
    candidates = {c.unit.code: c for c in loc.old_commune_candidates}
    assert candidates["27139"].unit.name == "Phường Võ Thị Sáu"
    assert candidates["27139"].whole is True
    assert candidates["27148"].whole is False  # Phường 4 went only partly into Xuân Hòa
    assert all(str(c.unit.version.valid_to) == "2025-07-01" for c in loc.old_commune_candidates)
    assert any("candidate" in n or "predecessors" in n for n in loc.notes)


def test_split_old_commune_lists_all_successors_with_partial_flags(client: TestClient) -> None:
    r = client.get("/admin-units/27148", params={"at": "2025-06-30"})
    assert r.status_code == 200, r.text
    unit = AdminUnitDetailOut.model_validate(r.json())
    assert unit.name == "Phường 4"
    assert [p.code for p in unit.parents] == ["770", "79"]
    successors = {s.unit.code: s.whole for s in unit.successors}
    assert len(successors) >= 2
    assert successors["27139"] is False
    assert not any(successors.values())


def test_new_commune_lists_its_predecessors(client: TestClient) -> None:
    r = client.get("/admin-units/27139", params={"at": "2026-01-01"})
    unit = AdminUnitDetailOut.model_validate(r.json())
    assert {p.unit.code for p in unit.predecessors} >= {"27139", "27148"}
    assert unit.parents[0].code == "79"


def test_reused_code_names_different_units_at_different_dates(client: TestClient) -> None:
    before = client.get("/admin-units/27139", params={"at": "2025-06-30"}).json()
    after = client.get("/admin-units/27139", params={"at": "2025-07-01"}).json()
    assert before["name"] == "Phường Võ Thị Sáu"
    assert after["name"] == "Phường Xuân Hòa"
    assert before["version"]["id"] != after["version"]["id"]
    assert before["version"]["valid_to"] == "2025-07-01"
    assert after["version"]["valid_from"] == "2025-07-01"


def test_former_2020_name_is_kept(client: TestClient) -> None:
    unit = client.get("/admin-units/27139", params={"at": "2025-06-30"}).json()
    assert any(a["name"] in ("Phường 06", "Phường 6") for a in unit["former_names"])
    r = client.get("/admin-units", params={"q": "phuong 6 quan 3", "at": "2025-06-30"})
    assert r.status_code == 200


def test_search_is_accent_and_case_insensitive(client: TestClient) -> None:
    r = client.get("/admin-units", params={"q": "thu dau mot"})
    assert r.status_code == 200, r.text
    names = [i["name"] for i in r.json()["items"]]
    assert "Phường Thủ Dầu Một" in names


def test_city_aliases_find_ho_chi_minh_city(client: TestClient) -> None:
    for q in ("ho chi minh", "tp hcm", "hcm", "TP.HCM", "Sài Gòn"):
        r = client.get("/admin-units", params={"q": q, "level": "province", "at": "2026-01-01"})
        assert r.status_code == 200, r.text
        items = r.json()["items"]
        assert items and items[0]["code"] == "79", (q, items[:2])


def test_search_finds_old_names_marked_as_old(client: TestClient) -> None:
    r = client.get("/admin-units", params={"q": "Võ Thị Sáu", "level": "commune"})
    items = r.json()["items"]
    old = [i for i in items if i["code"] == "27139"]
    assert old and old[0]["match"]["old"] is True and old[0]["in_force"] is False


def test_search_prefers_typed_diacritics(client: TestClient) -> None:
    r = client.get("/admin-units", params={"q": "Thạnh An", "level": "commune"})
    items = r.json()["items"]
    assert items and items[0]["name"].endswith("Thạnh An")


def test_list_pages_with_next(client: TestClient) -> None:
    r = client.get("/admin-units", params={"level": "province", "limit": 20})
    body = r.json()
    assert len(body["items"]) == 20 and body["next"]
    rest = client.get(body["next"]).json()
    assert len(rest["items"]) == 14 and rest["next"] is None
    codes = {i["code"] for i in body["items"] + rest["items"]}
    assert len(codes) == 34


def test_pre_reform_lists_63_provinces(client: TestClient) -> None:
    r = client.get("/admin-units", params={"level": "province", "at": "2025-06-30", "limit": 100})
    assert len(r.json()["items"]) == 63


def test_communes_of_a_province(client: TestClient) -> None:
    r = client.get("/admin-units", params={"parent": "79", "limit": 1000})
    assert len(r.json()["items"]) == 168


def test_boundary_as_geojson_feature(client: TestClient) -> None:
    full = client.get("/admin-units/27139.geojson")
    assert full.status_code == 200
    assert full.headers["content-type"].startswith("application/geo+json")
    feature = full.json()
    assert feature["type"] == "Feature"
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert feature["properties"]["name"] == "Phường Xuân Hòa"
    simple = client.get("/admin-units/79.geojson", params={"simplify": 500}).json()
    detailed = client.get("/admin-units/79.geojson").json()
    assert len(str(simple["geometry"])) < len(str(detailed["geometry"]))


def test_old_commune_has_no_polygon(client: TestClient) -> None:
    r = client.get("/admin-units/27148.geojson", params={"at": "2025-06-30"})
    assert_problem(r, 404, "not-found")


def test_impossible_coordinates_are_422(client: TestClient) -> None:
    body = assert_problem(
        client.get("/admin-units/locate", params={"lon": 106.7, "lat": 200}), 422, "invalid-input"
    )
    assert ["query", "lat"] in [e["loc"] for e in body["errors"]]
    body = assert_problem(
        client.get("/admin-units/locate", params={"lon": "abc", "lat": 10.7}), 422, "invalid-input"
    )
    assert ["query", "lon"] in [e["loc"] for e in body["errors"]]


def test_point_at_sea_is_404_saying_so(client: TestClient) -> None:
    r = client.get("/admin-units/locate", params={"lon": 110.5, "lat": 10.0})
    body = assert_problem(r, 404, "outside-territory")
    assert "no commune" in body["detail"]


def test_unknown_code_is_404_and_bad_code_422(client: TestClient) -> None:
    assert_problem(client.get("/admin-units/99999"), 404, "not-found")
    assert_problem(client.get("/admin-units/12ab"), 422, "invalid-input")


def test_code_not_in_force_at_date_is_404_naming_its_periods(client: TestClient) -> None:
    body = assert_problem(
        client.get("/admin-units/770", params={"at": "2026-01-01"}), 404, "not-found"
    )
    assert "Quận 3" in body["detail"]


def test_date_in_wrong_format_is_422(client: TestClient) -> None:
    body = assert_problem(
        client.get("/admin-units/27139", params={"at": "30/06/2025"}), 422, "invalid-input"
    )
    assert body["errors"][0]["loc"] == ["query", "at"]


def test_every_http_error_is_problem_json(client: TestClient) -> None:
    assert_problem(client.get("/no-such-thing"), 404, "not-found")
    assert_problem(client.post("/admin-units"), 405, "method-not-allowed")


def test_healthz_reports_postgis_and_revision(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["database"] == "reachable"
    assert body["postgis"].startswith("3.")
    assert body["schema_revision"]


def test_openapi_is_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/admin-units/locate" in spec["paths"]


def test_succession_disagreements_are_listed(client: TestClient) -> None:
    body = client.get("/admin-units/succession-disagreements", params={"limit": 5}).json()
    assert len(body["items"]) == 5 and body["next"]
    assert {i["other_source"] for i in body["items"]} <= {"dvhcvn", "vietnamadminunits"}
    assert all(i["official"] != i["other"] or i["detail"] for i in body["items"])


def test_before_reform_a_district_without_communes_comes_from_its_polygon(
    client: TestClient,
) -> None:
    """Côn Đảo was a huyện with no communes: the succession table has nothing for it."""
    r = client.get(
        "/admin-units/locate", params={"lon": 106.60624, "lat": 8.70028, "at": "2025-06-30"}
    )
    loc = LocationOut.model_validate(r.json())
    assert loc.district is not None and loc.district.code == "755"
    assert loc.exact["district"] is False
    assert loc.province is not None and loc.province.name == "Tỉnh Bà Rịa - Vũng Tàu"
