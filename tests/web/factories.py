"""Factories for web tests: API keys and places with defaults and keyword overrides."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Connection

from registry.access import create_key

XUAN_HOA = (106.68957, 10.784813)  # inside Phường Xuân Hòa, Thành phố Hồ Chí Minh


def bearer(
    conn: Connection, *scopes: str, organisation: str = "UBND phường Xuân Hòa"
) -> dict[str, str]:
    """Authorization headers of a fresh key with ``scopes``."""
    _, token = create_key(
        conn,
        name=f"test {'+'.join(scopes)}",
        organisation=organisation,
        scopes=scopes,
        person="Nguyễn Văn Kiểm",
    )
    return {"Authorization": f"Bearer {token}"}


def place_body(**overrides: Any) -> dict[str, Any]:
    """A valid proposal body; ``lon``/``lat`` overrides move the point."""
    lon = overrides.pop("lon", XUAN_HOA[0])
    lat = overrides.pop("lat", XUAN_HOA[1])
    body: dict[str, Any] = {
        "kind": "building",
        "house_number": "12/3A",
        "street": "Võ Văn Tần",
        "hamlet": "Khu phố 2",
        "location": {"lon": lon, "lat": lat, "accuracy_m": 4, "method": "gnss"},
        "source": "khảo sát thực địa",
        "valid_from": "2026-01-01",
    }
    body.update(overrides)
    return body


def make_place(
    client: TestClient,
    field: dict[str, str],
    review: dict[str, str] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """Propose a place, and approve it when ``review`` headers are given."""
    r = client.post("/places", json=place_body(**overrides), headers=field)
    assert r.status_code == 201, r.text
    place: dict[str, Any] = r.json()
    if review is not None:
        r = client.post(
            f"/places/{place['id']}/approve", json={"valid_from": "2026-01-01"}, headers=review
        )
        assert r.status_code == 200, r.text
        place = r.json()
    return place


def facts_body(**overrides: Any) -> dict[str, Any]:
    """The facts of a place (as in merge and split), without proposal fields."""
    body = place_body(**overrides)
    body.pop("valid_from")
    return body
