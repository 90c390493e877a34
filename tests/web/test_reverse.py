"""/reverse: nearest active places, street, commune and province."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Connection

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
