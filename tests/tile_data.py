"""Test data for tiles: many places written in one statement, as a bulk load writes them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, text

from registry.codes import make_code, zone_of


def bulk_places(
    conn: Connection,
    n: int,
    lon: float,
    lat: float,
    spread: float,
    *,
    first_serial: int = 99_000_000,
    valid_from: date = date(2026, 1, 1),
) -> list[int]:
    """``n`` active places with codes (serials from ``first_serial``) within ``spread``
    degrees of (lon, lat), valid from ``valid_from``, in one statement (a bulk load); long
    street names make the features heavy. Their codes."""
    zone = zone_of(lon, lat)
    codes = [make_code(zone, first_serial + i).value for i in range(n)]
    conn.execute(
        text(
            """
            WITH tx AS (
                INSERT INTO change_transaction (organisation, source, reason)
                VALUES ('test', 'test', 'bulk tiles') RETURNING id
            ), pl AS (
                INSERT INTO place (created_tx)
                SELECT tx.id FROM tx, generate_series(1, :n) RETURNING id
            ), numbered AS (
                SELECT id, row_number() OVER (ORDER BY id) AS i FROM pl
            ), issued AS (
                INSERT INTO code_issuance (code, zone, serial, status, place_id, tx_id)
                SELECT c.code, :zone, :first + c.i - 1, 'issued', p.id, tx.id
                FROM numbered p
                JOIN unnest(CAST(:codes AS bigint[])) WITH ORDINALITY AS c(code, i)
                    ON c.i = p.i
                CROSS JOIN tx
                RETURNING code, place_id
            )
            INSERT INTO place_version (place_id, valid, recorded, tx_id, change, code, status,
                physical_state, kind, house_number, street_name, location, location_method,
                source)
            SELECT s.place_id, daterange(:valid_from, NULL), tstzrange(now(), NULL), tx.id,
                   'approve', s.code, 'active', 'in_use', 'building', (s.code % 997)::text,
                   'Đường số ' || (s.code % 5000) || ' khu dân cư Xuân Hòa mở rộng',
                   ST_SetSRID(ST_MakePoint(:lon + (random() - 0.5) * :spread,
                                           :lat + (random() - 0.5) * :spread), 4326),
                   'imported', 'test'
            FROM issued s CROSS JOIN tx
            """
        ),
        {
            "n": n,
            "zone": zone,
            "codes": codes,
            "lon": lon,
            "lat": lat,
            "spread": spread,
            "first": first_serial,
            "valid_from": valid_from,
        },
    )
    return codes
