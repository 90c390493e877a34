"""OGC API – Features: documents, paging, filters, HTML, and GDAL's OAPIF driver reading it
from a real server (what QGIS uses)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import URL

from registry.config import Settings
from tests.web.factories import XUAN_HOA, bearer, make_place
from tests.web.live_server import live_database, live_server
from tests.web.problems import assert_problem

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
AROUND = "106.68,10.78,106.70,10.79"  # Phường Xuân Hòa and its neighbours


def _rel(document: dict[str, Any], rel: str) -> list[dict[str, Any]]:
    return [link for link in document["links"] if link["rel"] == rel]


def test_landing_conformance_and_collections(client: TestClient) -> None:
    landing = client.get("/ogc")
    assert landing.status_code == 200
    assert landing.headers["content-type"].startswith("application/json")
    body = landing.json()
    for rel in ("self", "service-desc", "conformance", "data"):
        assert _rel(body, rel), rel
    conformance = client.get(_rel(body, "conformance")[0]["href"]).json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conformance
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conformance
    collections = client.get(_rel(body, "data")[0]["href"]).json()["collections"]
    assert [c["id"] for c in collections] == ["places", "streets", "buildings", "admin-units"]
    for c in collections:
        items = [link for link in c["links"] if link["rel"] == "items"]
        assert any(link["type"] == "application/geo+json" for link in items)
        assert c["extent"]["spatial"]["bbox"][0][0] < 103
    assert_problem(client.get("/ogc/collections/nowhere"), 404, "not-found")
    assert_problem(client.get("/ogc/collections/nowhere/items"), 404, "not-found")


def test_places_are_public_facts_paged(client: TestClient, conn: Connection) -> None:
    field, review = bearer(conn, "field"), bearer(conn, "review")
    codes = {
        make_place(client, field, review, house_number=str(n), lon=XUAN_HOA[0] + n * 1e-4)["code"]
        for n in range(3)
    }
    proposal = make_place(client, field, house_number="999", lon=XUAN_HOA[0] - 1e-4)
    client.post(
        f"/places/{next(iter(codes))}/occupancies",
        json={"kind": "household", "name": "Hộ ông Bí Mật", "valid_from": "2026-01-01"},
        headers=bearer(conn, "review"),
    )
    seen: list[dict[str, Any]] = []
    url: str | None = f"/ogc/collections/places/items?bbox={AROUND}&limit=2"
    while url:
        page = client.get(url)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("application/geo+json")
        assert "CRS84" in page.headers["content-crs"]
        body = page.json()
        assert body["type"] == "FeatureCollection" and body["numberReturned"] <= 2
        seen += body["features"]
        nxt = _rel(body, "next")
        url = nxt[0]["href"] if nxt else None
    assert {f["properties"]["code"] for f in seen} == codes
    assert proposal["id"] not in {f["id"] for f in seen}
    assert "Bí Mật" not in str(seen)
    first = seen[0]
    assert first["geometry"]["type"] == "Point"
    assert first["id"] == first["properties"]["code"].replace(" ", "")
    one = client.get(f"/ogc/collections/places/items/{first['properties']['code']}")
    assert one.status_code == 200 and one.json()["id"] == first["id"]
    assert_problem(client.get("/ogc/collections/places/items/123456789012"), 404, "not-found")
    assert client.get("/ogc/collections/places/items?bbox=0,0,1,1").json()["features"] == []


def test_datetime_is_as_of(client: TestClient) -> None:
    def levels(datetime: str | None) -> set[str]:
        params = {"bbox": AROUND, "limit": 100, **({"datetime": datetime} if datetime else {})}
        body = client.get("/ogc/collections/admin-units/items", params=params).json()
        return {f["properties"]["level"] for f in body["features"]}

    assert levels(None) == {"province", "commune"}
    assert levels("2024-05-01") == {"province", "district"}
    assert levels("2025-06-30T20:00:00Z") == {"province", "commune"}  # 03:00 on 1 July, VN
    assert "district" in levels("2025-01-01/2025-12-31")
    old = client.get("/ogc/collections/admin-units/items/27139", params={"datetime": "2024-01-01"})
    assert old.json()["properties"]["name"] == "Phường Võ Thị Sáu"
    new = client.get("/ogc/collections/admin-units/items/27139").json()
    assert new["properties"]["name"] == "Phường Xuân Hòa"
    for bad in ("yesterday", "2025-02-01/2024-01-01"):
        assert_problem(
            client.get("/ogc/collections/places/items", params={"datetime": bad}),
            422,
            "invalid-input",
        )
    assert_problem(client.get("/ogc/collections/places/items?bbox=1,2,3"), 422, "invalid-input")


def test_limit_above_the_maximum_is_lowered(client: TestClient) -> None:
    body = client.get(f"/ogc/collections/admin-units/items?bbox={AROUND}&limit=99999").json()
    assert 0 < body["numberReturned"] <= 10_000


def test_html_for_browsers(client: TestClient) -> None:
    page = client.get("/ogc/collections", headers={"Accept": BROWSER})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "admin-units" in page.text and "<script" not in page.text and "http" in page.text
    assert "//cdn" not in page.text and "<link" not in page.text
    items = client.get(
        f"/ogc/collections/admin-units/items?bbox={AROUND}", headers={"Accept": BROWSER}
    )
    assert "Phường Xuân Hòa" in items.text
    forced = client.get("/ogc/collections", params={"f": "json"}, headers={"Accept": BROWSER})
    assert forced.headers["content-type"].startswith("application/json")
    assert client.get("/ogc", params={"f": "html"}).headers["content-type"].startswith("text/html")


# --- GDAL's OAPIF driver against a real server -------------------------------------------------


@pytest.fixture(scope="module")
def live_db(base_url: URL, test_database_url: str, settings: Settings) -> Iterator[str]:
    with live_database(base_url, settings) as url:
        yield url


@pytest.fixture(scope="module")
def server(live_db: str) -> Iterator[str]:
    with live_server(live_db, workers=2) as url:
        yield url


def _ogrinfo(*args: str) -> str:
    done = subprocess.run(
        ["ogrinfo", "-ro", *args], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _values(listing: str, field: str) -> list[str]:
    prefix = f"  {field} ("
    return [line.split(" = ", 1)[1] for line in listing.splitlines() if line.startswith(prefix)]


def test_gdal_lists_the_collections(server: str) -> None:
    listing = _ogrinfo("-so", f"OAPIF:{server}/ogc")
    for name in ("places", "streets", "buildings", "admin-units"):
        assert f": {name} (" in listing


def test_gdal_reads_the_features_the_database_holds(server: str, live_db: str) -> None:
    engine = create_engine(live_db)
    with engine.connect() as conn:
        codes = set(
            conn.execute(
                text(
                    "SELECT to_char(code, 'FM0000 0000 0000') FROM place_version"
                    " WHERE upper_inf(recorded) AND status = 'active' AND code IS NOT NULL"
                    " AND valid @> (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date"
                )
            ).scalars()
        )
        streets = set(conn.execute(text("SELECT osm_id FROM street")).scalars())
        units = set(
            conn.execute(
                text(
                    "SELECT name FROM admin_unit"
                    " WHERE valid @> (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date"
                    " AND boundary && ST_MakeEnvelope(106.68, 10.78, 106.70, 10.79, 4326)"
                    " AND ST_Intersects(boundary,"
                    " ST_MakeEnvelope(106.68, 10.78, 106.70, 10.79, 4326))"
                )
            ).scalars()
        )
    engine.dispose()
    assert len(codes) > 100 and len(streets) > 100

    places = _ogrinfo("-al", "-q", f"OAPIF:{server}/ogc", "places")
    assert set(_values(places, "code")) == codes
    assert len(_values(places, "code")) == len(codes)  # paged without repeats
    assert "POINT (10" in places
    assert (
        set(_values(_ogrinfo("-al", "-q", f"OAPIF:{server}/ogc", "streets"), "osm_id")) == streets
    )

    spatial = ["-spat", "106.68", "10.78", "106.70", "10.79"]
    listed = _ogrinfo("-al", "-q", *spatial, f"OAPIF:{server}/ogc", "admin-units")
    assert set(_values(listed, "name")) == units
