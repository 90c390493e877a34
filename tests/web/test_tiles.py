"""Vector tiles: layers, zoom rules, sizes, privacy, caching headers, invalidation.

The first part runs in-process on the test's rolled-back database (tiles are then drawn
uncached). The last part starts a real server with two workers on its own database and
checks, through the API, that a write is visible at once in every worker, at every zoom,
in the neighbouring tiles whose buffer reaches it, and that other tiles stay cached.
"""

from __future__ import annotations

import gzip
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import URL

from geo.tiles import (
    BUFFER,
    EXTENT,
    MAX_TILE_BYTES,
    Tile,
    lonlat_to_mercator,
    mercator_to_lonlat,
    tile_bounds,
    tile_of_lonlat,
)
from registry.config import Settings
from registry.database import Database
from tests.tile_data import bulk_places
from tests.web.factories import XUAN_HOA, bearer, make_place, place_body
from tests.web.live_server import live_database, live_server
from tests.web.mvt import decode
from tests.web.problems import assert_problem

MVT = "application/vnd.mapbox-vector-tile"
HANOI = (105.8358, 21.0270)  # Văn Miếu, far from Xuân Hòa


def _get(client: TestClient | httpx.Client, layer: str, tile: Tile, **kw: Any) -> httpx.Response:
    return client.get(f"/tiles/{layer}/{tile.z}/{tile.x}/{tile.y}.mvt", **kw)


def _features(response: httpx.Response, layer: str) -> list[Any]:
    assert response.status_code == 200, response.text
    layers = decode(response.content)
    return layers[layer].features if layer in layers else []


def _street(conn: Connection, name: str, highway: str, coords: list[tuple[float, float]]) -> None:
    wkt = "LINESTRING(" + ", ".join(f"{x} {y}" for x, y in coords) + ")"
    conn.execute(
        text(
            """
            WITH tx AS (INSERT INTO change_transaction (organisation, source)
                        VALUES ('test', 'test') RETURNING id)
            INSERT INTO street (osm_id, name, name_folded, highway, geom, source, licence,
                                dataset, tx_id)
            SELECT :osm, :name, lower(:name), :highway, ST_GeomFromText(:wkt, 4326), 'test',
                   'ODbL-1.0', 'test', tx.id FROM tx
            """
        ),
        {"osm": f"w{abs(hash(name)) % 10**9}", "name": name, "highway": highway, "wkt": wkt},
    )


# --- metadata -------------------------------------------------------------------------------


def test_layer_list_and_tilejson(client: TestClient) -> None:
    listed = client.get("/tiles").json()["items"]
    assert {item["id"] for item in listed} == {
        "places",
        "buildings",
        "streets",
        "admin",
        "basemap",
        "review",
    }
    tj = client.get("/tiles/places.json").json()
    assert tj["tilejson"] == "3.0.0"
    assert tj["tiles"] == ["http://testserver/tiles/places/{z}/{x}/{y}.mvt"]
    minlon, minlat, maxlon, maxlat = tj["bounds"]
    assert minlon < 102.2 and maxlon > 117.5 and minlat < 8.5 and maxlat > 23.3
    assert tj["minzoom"] == 0 and tj["maxzoom"] >= 17
    (layer,) = tj["vector_layers"]
    assert layer["id"] == "places"
    assert {"code", "house_number", "street", "count"} <= set(layer["fields"])

    basemap = client.get("/tiles/basemap.json", params={"at": "2024-01-01"}).json()
    assert basemap["tiles"][0].endswith("/tiles/basemap/{z}/{x}/{y}.mvt?at=2024-01-01")
    assert {v["id"] for v in basemap["vector_layers"]} == {
        "admin",
        "streets",
        "buildings",
        "places",
    }
    assert_problem(client.get("/tiles/nowhere.json"), 404, "not-found")
    assert_problem(
        client.get("/tiles/places.json", params={"at": "2024-01-01"}), 422, "invalid-input"
    )


def test_bad_addresses_are_problems(client: TestClient) -> None:
    assert_problem(client.get("/tiles/nowhere/1/0/0.mvt"), 404, "not-found")
    assert_problem(client.get("/tiles/places/2/4/0.mvt"), 404, "not-found")
    assert_problem(client.get("/tiles/places/23/0/0.mvt"), 422, "invalid-input")
    assert_problem(client.get("/tiles/places/3/1/1.mvt?at=2024-01-01"), 422, "invalid-input")
    assert_problem(client.get("/tiles/admin/3/1/1.mvt?at=yesterday"), 422, "invalid-input")


# --- content --------------------------------------------------------------------------------


def test_empty_tile_is_200_with_an_empty_body(client: TestClient) -> None:
    sea = Tile(14, 0, 0)  # the Arctic Ocean off Alaska
    r = _get(client, "places", sea)
    assert r.status_code == 200
    assert r.content == b""
    assert r.headers["content-type"] == MVT
    assert r.headers["cache-control"] == "no-cache"
    assert r.headers["etag"].startswith('"') and r.headers["etag"].endswith('"')


def test_places_carry_labels_and_nothing_private(client: TestClient, conn: Connection) -> None:
    field, review = bearer(conn, "field"), bearer(conn, "review", "private-read")
    active = make_place(client, field, review, house_number="12/3A", street="Võ Văn Tần")
    proposed = make_place(client, field, lon=XUAN_HOA[0] + 0.0003, house_number="99")
    r = client.post(
        f"/places/{active['code']}/occupancies",
        json={"kind": "household", "name": "Hộ bà Trần Thị Riêngtư", "valid_from": "2026-01-01"},
        headers=review,
    )
    assert r.status_code == 201, r.text

    tile = tile_of_lonlat(*XUAN_HOA, 16)
    response = _get(client, "places", tile)
    assert b"Ri\xc3\xaangt\xc6\xb0" not in response.content  # the occupant's name, UTF-8
    mine = [f for f in _features(response, "places") if f.id == active["id"]]
    assert len(mine) == 1
    assert mine[0].properties == {
        "code": active["code"],
        "house_number": "12/3A",
        "street": "Võ Văn Tần",
        "kind": "building",
    }
    assert len(active["code"]) == 14 and active["code"][4] == " "  # grouped form
    assert proposed["id"] not in {f.id for f in _features(response, "places")}
    basemap = _get(client, "basemap", tile)
    assert proposed["id"] not in {f.id for f in _features(basemap, "places")}

    # the review layer: proposals too, with their status, for review keys only
    assert_problem(_get(client, "review", tile), 401, "unauthorized")
    assert_problem(_get(client, "review", tile, headers=field), 403, "forbidden")
    private = _get(client, "review", tile, headers=review)
    statuses = {f.id: f.properties["status"] for f in _features(private, "review")}
    assert statuses[proposed["id"]] == "proposed" and statuses[active["id"]] == "active"
    assert private.headers["cache-control"] == "private, no-cache"
    assert "Authorization" in private.headers["vary"]
    assert b"Ri\xc3\xaangt\xc6\xb0" not in private.content


def test_below_z14_places_are_counted_per_cell(client: TestClient, conn: Connection) -> None:
    bulk_places(conn, 400, *XUAN_HOA, spread=0.004)
    for z in (10, 12, 13):
        cells = _features(_get(client, "places", tile_of_lonlat(*XUAN_HOA, z)), "places")
        assert 0 < len(cells) <= 32 * 32
        assert all(f.type == 1 and set(f.properties) == {"count"} for f in cells)
        assert sum(f.properties["count"] for f in cells) >= 400
    points = _features(_get(client, "places", tile_of_lonlat(*XUAN_HOA, 14)), "places")
    assert len(points) >= 400 and all("code" in f.properties for f in points)


def test_a_crowded_tile_keeps_a_stable_capped_sample(client: TestClient, conn: Connection) -> None:
    bulk_places(conn, 12_000, *XUAN_HOA, spread=0.01)
    tile = tile_of_lonlat(*XUAN_HOA, 15)
    first = _get(client, "places", tile)
    again = _get(client, "places", tile)
    assert first.content == again.content and first.headers["etag"] == again.headers["etag"]
    features = _features(first, "places")
    assert 100 < len(features) < 12_000
    assert len(first.content) <= 220_000
    for z in (12, 14, 15, 16, 17):
        for layer in ("places", "basemap"):
            assert len(_get(client, layer, tile_of_lonlat(*XUAN_HOA, z)).content) <= MAX_TILE_BYTES
    # the sample is the same whatever else is in the tile: codes first by priority
    codes = sorted(f.properties["code"] for f in features)
    assert [f.properties["code"] for f in features] == codes


def test_admin_units_by_date_and_zoom(client: TestClient) -> None:
    def levels(z: int, at: str | None = None) -> set[str]:
        params = {"at": at} if at else {}
        found = _features(
            _get(client, "admin", tile_of_lonlat(*XUAN_HOA, z), params=params), "admin"
        )
        assert all({"code", "name", "level"} == set(f.properties) for f in found)
        return {f.properties["level"] for f in found}

    assert levels(7) == {"province"}
    assert levels(9) == {"province", "commune"}
    assert levels(9, "2024-01-01") == {"province", "district"}  # pre-2025 communes: no polygons
    assert "district" in levels(6, "2025-06-30")
    names = {
        f.properties["name"]
        for f in _features(_get(client, "admin", tile_of_lonlat(*XUAN_HOA, 14)), "admin")
    }
    assert "Phường Xuân Hòa" in names


def test_low_zoom_boundaries_are_simplified(client: TestClient) -> None:
    tile = tile_of_lonlat(*XUAN_HOA, 6)
    coarse = _get(client, "admin", tile)
    vertices = sum(len(f.vertices) for f in _features(coarse, "admin"))
    assert len(coarse.content) < 60_000
    assert vertices < 20_000


def test_minor_streets_appear_where_legible(client: TestClient, conn: Connection) -> None:
    lon, lat = XUAN_HOA
    _street(conn, "Hẻm 12 Thử", "service", [(lon, lat), (lon + 0.001, lat + 0.0005)])
    _street(conn, "Đại lộ Thử", "primary", [(lon - 0.002, lat), (lon + 0.002, lat)])

    def names(z: int) -> set[str]:
        found = _features(_get(client, "streets", tile_of_lonlat(lon, lat, z)), "streets")
        assert all(set(f.properties) <= {"name", "class"} for f in found)
        return {f.properties["name"] for f in found}

    assert "Đại lộ Thử" in names(10) and "Hẻm 12 Thử" not in names(10)
    assert "Hẻm 12 Thử" not in names(14)
    assert {"Đại lộ Thử", "Hẻm 12 Thử"} <= names(15)
    assert _get(client, "buildings", tile_of_lonlat(lon, lat, 12)).content == b""


def test_conditional_requests_and_cors(client: TestClient, conn: Connection) -> None:
    field, review = bearer(conn, "field"), bearer(conn, "review")
    make_place(client, field, review)
    tile = tile_of_lonlat(*XUAN_HOA, 15)
    first = _get(client, "places", tile)
    etag = first.headers["etag"]
    not_modified = _get(client, "places", tile, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    assert _get(client, "places", tile, headers={"If-None-Match": '"other"'}).status_code == 200
    make_place(client, field, review, house_number="77", lon=XUAN_HOA[0] + 0.0001)
    changed = _get(client, "places", tile, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag

    cors = _get(client, "places", tile, headers={"Origin": "https://bando.example.gov.vn"})
    assert cors.headers["access-control-allow-origin"] == "*"
    assert "etag" in cors.headers["access-control-expose-headers"].lower()
    preflight = client.options(
        "/tiles/places/1/0/0.mvt",
        headers={
            "Origin": "https://bando.example.gov.vn",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert preflight.status_code == 200


# --- a real server: two workers, the shared and memory caches, invalidation --------------------


@pytest.fixture(scope="module")
def live_db(base_url: URL, test_database_url: str, settings: Settings) -> Iterator[str]:
    with live_database(base_url, settings) as url:
        yield url


@pytest.fixture(scope="module")
def server(live_db: str) -> Iterator[str]:
    with live_server(live_db, workers=2) as url:
        yield url


@pytest.fixture(scope="module")
def keys(live_db: str) -> dict[str, dict[str, str]]:
    engine = create_engine(live_db)
    with Database(engine).transaction() as conn:
        out = {
            "field": bearer(conn, "field"),
            "review": bearer(conn, "review"),
        }
    engine.dispose()
    return out


def _fresh(server: str, path: str, times: int = 12) -> list[httpx.Response]:
    """``path`` over ``times`` new connections (the two workers each get some)."""
    out = []
    for _ in range(times):
        with httpx.Client(base_url=server, timeout=30) as c:
            out.append(c.get(path))
    return out


def _path(layer: str, tile: Tile) -> str:
    return f"/tiles/{layer}/{tile.z}/{tile.x}/{tile.y}.mvt"


def _in_buffer_only(tile: Tile, lon: float, lat: float) -> bool:
    x, y = lonlat_to_mercator(lon, lat)
    minx, miny, maxx, maxy = tile_bounds(tile.z, tile.x, tile.y)
    margin = (maxx - minx) * BUFFER / EXTENT
    inside = minx <= x <= maxx and miny <= y <= maxy
    return not inside and minx - margin < x < maxx + margin and miny - margin < y < maxy + margin


def test_a_write_shows_at_once_in_every_worker(
    server: str, keys: dict[str, dict[str, str]], live_db: str
) -> None:
    zooms = range(10, 18)
    here = {z: tile_of_lonlat(*XUAN_HOA, z) for z in zooms}
    far = tile_of_lonlat(*HANOI, 16)
    with httpx.Client(base_url=server, timeout=30) as c:
        r = c.post("/places", json=place_body(), headers=keys["field"])
        assert r.status_code == 201, r.text
        place = r.json()
        for z in zooms:  # warm: both caches, both workers
            for _ in range(2):
                _fresh(server, _path("places", here[z]), times=6)
        _fresh(server, _path("places", far))
        _fresh(server, _path("basemap", here[16]))
        assert {r.headers["x-tile-source"] for r in _fresh(server, _path("places", far))} == {
            "memory"
        }
        before = {z: _fresh(server, _path("places", here[z]))[0].content for z in zooms}

        r = c.post(f"/places/{place['id']}/approve", json={"valid_from": "2026-01-01"},
                   headers=keys["review"])  # fmt: skip
        assert r.status_code == 200, r.text
        code = r.json()["code"]

    for z in zooms:  # every zoom, every worker, right after the response
        for response in _fresh(server, _path("places", here[z]), times=8):
            assert response.content != before[z], (z, response.headers["x-tile-source"])
            if z >= 14:
                codes = {f.properties.get("code") for f in _features(response, "places")}
                assert code in codes
    for response in _fresh(server, _path("basemap", here[16]), times=6):
        assert code in {f.properties.get("code") for f in _features(response, "places")}
    # elsewhere the tiles stay cached, in memory and in the shared table
    assert {r.headers["x-tile-source"] for r in _fresh(server, _path("places", far))} == {"memory"}
    engine = create_engine(live_db)
    with engine.connect() as conn:
        kept = conn.execute(
            text(
                "SELECT count(*) FROM tile_cache WHERE layer = 'places' AND z = :z"
                " AND x = :x AND y = :y"
            ),
            {"z": far.z, "x": far.x, "y": far.y},
        ).scalar_one()
    engine.dispose()
    assert kept == 1


def test_a_move_reaches_the_neighbour_whose_buffer_holds_it(
    server: str, keys: dict[str, dict[str, str]]
) -> None:
    z = 17
    tile = tile_of_lonlat(*XUAN_HOA, z)
    minx, miny, maxx, maxy = tile_bounds(z, tile.x, tile.y)
    # just east of the tile's east edge: in the eastern neighbour, within this tile's buffer
    x = maxx + (maxx - minx) * BUFFER / EXTENT / 2
    y = (miny + maxy) / 2
    lon, lat = mercator_to_lonlat(x, y)
    assert _in_buffer_only(tile, lon, lat)
    with httpx.Client(base_url=server, timeout=30) as c:  # a place elsewhere first
        place = make_place_http(c, keys, lon=XUAN_HOA[0] - 0.003, lat=XUAN_HOA[1] - 0.003)
        before = _fresh(server, _path("places", tile), times=8)
        assert place["code"] not in {
            f.properties.get("code") for f in _features(before[0], "places")
        }
        r = c.patch(
            f"/places/{place['code']}",
            json={"location": {"lon": lon, "lat": lat, "accuracy_m": 3, "method": "gnss"},
                  "valid_from": "2026-02-01"},
            headers=keys["field"],
        )  # fmt: skip
        assert r.status_code == 200, r.text
    for response in _fresh(server, _path("places", tile), times=8):
        found = [
            f for f in _features(response, "places") if f.properties.get("code") == place["code"]
        ]
        assert len(found) == 1
        ((vx, _),) = found[0].vertices
        assert EXTENT < vx <= EXTENT + BUFFER  # drawn in the buffer, east of the edge

    with httpx.Client(base_url=server, timeout=30) as c:
        r = c.post(f"/places/{place['code']}/retire", json={"reason": "phá dỡ"},
                   headers=keys["review"])  # fmt: skip
        assert r.status_code == 200, r.text
    for response in _fresh(server, _path("places", tile), times=8):
        assert place["code"] not in {
            f.properties.get("code") for f in _features(response, "places")
        }


def make_place_http(
    c: httpx.Client, keys: dict[str, dict[str, str]], **overrides: Any
) -> dict[str, Any]:
    r = c.post("/places", json=place_body(**overrides), headers=keys["field"])
    assert r.status_code == 201, r.text
    r = c.post(f"/places/{r.json()['id']}/approve", json={"valid_from": "2026-01-01"},
               headers=keys["review"])  # fmt: skip
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


_STREET_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
  <bounds minlat="{s}" minlon="{w}" maxlat="{n}" maxlon="{e}"/>
  <node id="990000001" version="1" timestamp="2026-11-01T00:00:00Z" lat="{lat1}" lon="{lon1}"/>
  <node id="990000002" version="1" timestamp="2026-11-01T00:00:00Z" lat="{lat2}" lon="{lon2}"/>
  <way id="990000003" version="1" timestamp="2026-11-01T00:00:00Z">
    <nd ref="990000001"/><nd ref="990000002"/>
    <tag k="highway" v="residential"/><tag k="name" v="Đường Thử Nghiệm Mới"/>
  </way>
</osm>
"""


def test_an_imported_street_shows_at_once(server: str, live_db: str, tmp_path: Path) -> None:
    from importers.osm import run

    lon, lat = XUAN_HOA[0] + 0.002, XUAN_HOA[1] + 0.002
    tile = tile_of_lonlat(lon, lat, 16)
    before = _fresh(server, _path("streets", tile), times=6)
    assert "Đường Thử Nghiệm Mới" not in {
        f.properties.get("name") for f in _features(before[0], "streets")
    }
    path = tmp_path / "street.osm.gz"
    path.write_bytes(
        gzip.compress(
            _STREET_OSM.format(
                s=lat - 0.0002, w=lon - 0.0002, n=lat + 0.0004, e=lon + 0.0004,
                lat1=lat, lon1=lon, lat2=lat + 0.0002, lon2=lon + 0.0002,
            ).encode()
        )
    )  # fmt: skip
    engine = create_engine(live_db)
    report = run(Database(engine), path, dataset="test-street")
    engine.dispose()
    assert report is not None
    for response in _fresh(server, _path("streets", tile), times=8):
        names = {f.properties.get("name") for f in _features(response, "streets")}
        assert "Đường Thử Nghiệm Mới" in names


def test_gdal_reads_a_single_tile(server: str, keys: dict[str, dict[str, str]]) -> None:
    with httpx.Client(base_url=server, timeout=30) as c:
        place = make_place_http(c, keys, house_number="5B", lon=XUAN_HOA[0] + 0.0005)
    tile = tile_of_lonlat(XUAN_HOA[0] + 0.0005, XUAN_HOA[1], 16)
    expected = {
        f.properties["code"]
        for f in _features(httpx.get(server + _path("places", tile), timeout=30), "places")
    }
    assert place["code"] in expected
    done = subprocess.run(
        # CLIP=NO: keep the features drawn in the tile's buffer, as a map client does
        ["ogrinfo", "-ro", "-al", "-q", "-oo", "CLIP=NO", f"MVT:{server}{_path('places', tile)}"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    listed = {
        line.split("=", 1)[1].strip()
        for line in done.stdout.splitlines()
        if line.strip().startswith("code (String)")
    }
    assert listed == expected


def test_seed_fills_the_shared_cache(live_db: str) -> None:
    from typer.testing import CliRunner

    from web.cli import app

    lon, lat = XUAN_HOA
    bbox = f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"
    result = CliRunner().invoke(
        app,
        ["tiles", "seed", "--layer", "places", "--zoom", "12-14", "--bbox", bbox],
        env={"DIACHI_DATABASE_URL": live_db},
    )
    assert result.exit_code == 0, result.output
    engine = create_engine(live_db)
    with engine.connect() as conn:
        cached = conn.execute(
            text("SELECT count(*) FROM tile_cache WHERE layer = 'places' AND z BETWEEN 12 AND 14")
        ).scalar_one()
    engine.dispose()
    assert cached >= 3
