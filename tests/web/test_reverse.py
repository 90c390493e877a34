"""/reverse: nearest active places, street, commune and province."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from geo.geocode.reverse import reverse
from tests.web.factories import bearer, make_place
from tests.web.problems import assert_problem
from web.schemas_geocode import ReverseOut


def test_reverse_finds_the_nearest_active_place_and_its_units(
    client: TestClient, conn: Connection
) -> None:
    field, review = bearer(conn, "field"), bearer(conn, "review")
    near = make_place(client, field, review, lon=106.68957, lat=10.784813)
    make_place(client, field, review, lon=106.68990, lat=10.784813, house_number="20")
    hidden = make_place(client, field, lon=106.68958, lat=10.784813)  # proposed only
    r = client.get(
        "/reverse", params={"lon": 106.689571, "lat": 10.784813, "radius": 100, "at": "2026-06-01"}
    )
    assert r.status_code == 200, r.text
    out = ReverseOut.model_validate(r.json())
    assert out.items[0].code == near["code"]
    assert out.items[0].distance_m < 1
    assert [i.distance_m for i in out.items] == sorted(i.distance_m for i in out.items)
    assert hidden["id"] not in {i.id for i in out.items}
    assert out.commune is not None and out.commune.code == "27139"
    assert out.province is not None and out.province.code == "79"


def test_reverse_at_sea_and_bad_input(client: TestClient) -> None:
    assert_problem(
        client.get("/reverse", params={"lon": 110.5, "lat": 10.0}), 404, "outside-territory"
    )
    assert_problem(client.get("/reverse", params={"lon": 106.7, "lat": 91}), 422, "invalid-input")


def test_reverse_keeps_to_the_radius_the_limit_and_the_date(
    client: TestClient, conn: Connection
) -> None:
    field, review = bearer(conn, "field"), bearer(conn, "review")
    lat = 10.784813
    here = make_place(client, field, review, lon=106.68957, lat=lat, house_number="1")
    east_55m = make_place(client, field, review, lon=106.69007, lat=lat, house_number="3")
    east_160m = make_place(client, field, review, lon=106.69103, lat=lat, house_number="5")

    def codes(**params: object) -> list[str | None]:
        r = client.get("/reverse", params={"lon": 106.68957, "lat": lat, **params})
        assert r.status_code == 200, r.text
        return [i.code for i in ReverseOut.model_validate(r.json()).items]

    assert codes(radius=100, at="2026-06-01") == [here["code"], east_55m["code"]]
    assert codes(radius=200, at="2026-06-01") == [
        here["code"],
        east_55m["code"],
        east_160m["code"],
    ]
    assert codes(radius=200, limit=1, at="2026-06-01") == [here["code"]]
    assert codes(radius=200, at="2025-12-31") == []  # approved from 2026-01-01


def test_reverse_before_the_reform_gives_the_former_units(
    client: TestClient, conn: Connection
) -> None:
    r = client.get("/reverse", params={"lon": 106.689571, "lat": 10.784813, "at": "2025-06-30"})
    assert r.status_code == 200, r.text
    out = ReverseOut.model_validate(r.json())
    assert out.items == []
    assert out.province is not None and out.province.code == "79"


def test_reverse_leaves_the_callers_plan_setting_as_it_was(conn: Connection) -> None:
    conn.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    for _ in range(7):  # psycopg prepares the statement from the sixth execution on
        reverse(conn, 106.689571, 10.784813, radius_m=100, at=date(2026, 6, 1), limit=10)
    assert conn.execute(text("SHOW plan_cache_mode")).scalar_one() == "force_custom_plan"
