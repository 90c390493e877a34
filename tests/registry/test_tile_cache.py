"""The tile caches: memory, shared table, invalidation, the listener's barrier, freshness.

The service tests run on a database of their own (real commits) and write through a
second connection, as another process would."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, create_engine, text

from geo.tiles import Tile, lonlat_to_mercator, tile_of_lonlat
from registry import admin_units
from registry.database import Database
from registry.tile_cache import (
    Entry,
    Invalidation,
    MemoryCache,
    TileSettings,
    open_service,
    variant_of,
)
from registry.vector_tiles import draw, sql
from tests.tile_data import bulk_places
from tests.web.mvt import decode

XUAN_HOA = (106.68957, 10.784813)
TODAY = date(2026, 6, 1)


def _entry(size: int = 10) -> Entry:
    return Entry(b"x" * size, "e", None)


def _box(lon: float, lat: float) -> Invalidation:
    x, y = lonlat_to_mercator(lon, lat)
    return Invalidation(frozenset({"places", "basemap"}), ((x, y, x, y),))


# --- memory ---------------------------------------------------------------------------------


def test_memory_cache_is_bounded_and_least_recently_used_goes_first() -> None:
    memory = MemoryCache(max_bytes=30)
    for i in range(3):
        assert memory.put(("places", "", 14, i, 0), _entry(), since=0)
    assert memory.get(("places", "", 14, 0, 0), TODAY) is not None  # now the most recent
    memory.put(("places", "", 14, 3, 0), _entry(), since=0)
    assert memory.get(("places", "", 14, 1, 0), TODAY) is None
    assert memory.get(("places", "", 14, 0, 0), TODAY) is not None
    assert not memory.put(("places", "", 14, 9, 9), _entry(31), since=0)


def test_memory_cache_drops_what_a_write_touches_and_nothing_else() -> None:
    memory = MemoryCache(max_bytes=10_000)
    here = tile_of_lonlat(*XUAN_HOA, 16)
    far = tile_of_lonlat(105.8358, 21.0270, 16)
    keys = [
        ("places", "", here.z, here.x, here.y),
        ("basemap", "at=2024-01-01", here.z, here.x, here.y),
        ("streets", "", here.z, here.x, here.y),
        ("places", "", far.z, far.x, far.y),
    ]
    for key in keys:
        memory.put(key, _entry(), since=0)
    assert memory.invalidate(_box(*XUAN_HOA)) == 2
    assert [k for k in keys if memory.get(k, TODAY) is not None] == keys[2:]


def test_a_tile_read_before_an_invalidation_is_not_kept() -> None:
    memory = MemoryCache(max_bytes=10_000)
    here = tile_of_lonlat(*XUAN_HOA, 15)
    key = ("places", "", here.z, here.x, here.y)
    since = memory.generation
    memory.invalidate(_box(*XUAN_HOA))  # arrives while the request reads the database
    assert not memory.put(key, _entry(), since)
    elsewhere = ("places", "", 15, 0, 0)
    assert memory.put(elsewhere, _entry(), since)  # untouched by that write
    memory.clear()
    assert not memory.put(elsewhere, _entry(), since)
    assert memory.put(key, _entry(), memory.generation)


def test_a_tile_is_dropped_on_the_day_it_ends() -> None:
    memory = MemoryCache(max_bytes=10_000)
    memory.put(("places", "", 1, 0, 0), Entry(b"x", "e", TODAY + timedelta(days=1)), since=0)
    assert memory.get(("places", "", 1, 0, 0), TODAY) is not None
    assert memory.get(("places", "", 1, 0, 0), TODAY + timedelta(days=1)) is None


def test_invalidation_reaches_the_buffer_of_neighbours() -> None:
    tile = Tile(17, 104_357, 61_621)
    _, miny, maxx, _ = tile.bounds()
    just_outside = Invalidation(frozenset({"places"}), ((maxx + 1, miny + 1, maxx + 1, miny + 1),))
    far_outside = Invalidation(frozenset({"places"}), ((maxx + 100, miny, maxx + 100, miny),))
    key = ("places", "", tile.z, tile.x, tile.y)
    assert just_outside.touches(key)
    assert not far_outside.touches(key)
    assert Invalidation.parse("places,basemap|1 2 3 4;5 6 7 8").boxes == (
        (1, 2, 3, 4),
        (5, 6, 7, 8),
    )
    with pytest.raises(ValueError):
        Invalidation.parse("places|1 2 3")


def test_variants() -> None:
    assert variant_of("admin", date(2024, 1, 1)) == "at=2024-01-01"
    assert variant_of("admin", None) == ""
    assert variant_of("places", date(2024, 1, 1)) == ""


# --- the service on a database of its own ---------------------------------------------------


@pytest.fixture
def writer(fresh_database_url: str) -> Iterator[Engine]:
    engine = create_engine(fresh_database_url)
    yield engine
    engine.dispose()


def _codes(data: bytes) -> set[str]:
    layers = decode(data)
    return (
        {f.properties["code"] for f in layers["places"].features} if "places" in layers else set()
    )


def test_the_barrier_delivers_a_write_before_memory_answers(writer: Engine) -> None:
    tile = tile_of_lonlat(*XUAN_HOA, 16)

    async def scenario() -> None:
        opened = await open_service(Database(writer), TileSettings())
        service = opened.service
        try:
            await service.get("places", tile, today=TODAY)
            assert (await service.get("places", tile, today=TODAY)).source == "memory"
            with writer.begin() as conn:  # committed while this loop is busy here
                (code,) = bulk_places(conn, 1, *XUAN_HOA, spread=0.0001, first_serial=1)
            served = await service.get("places", tile, today=TODAY)
            assert served.source != "memory"
            assert any(c.replace(" ", "") == f"{code:012d}" for c in _codes(served.data))
        finally:
            await opened.close()

    asyncio.run(scenario())


def test_other_workers_see_a_write_through_the_shared_table(writer: Engine) -> None:
    tile = tile_of_lonlat(*XUAN_HOA, 15)
    far = tile_of_lonlat(105.8358, 21.0270, 15)

    async def scenario() -> None:
        settings = TileSettings()
        one = await open_service(Database(writer), settings, listen=False)
        other = await open_service(Database(writer), settings, listen=False)
        try:
            assert (await one.service.get("places", tile, today=TODAY)).source == "drawn"
            assert (await other.service.get("places", tile, today=TODAY)).source == "shared"
            assert (await one.service.get("places", far, today=TODAY)).source == "drawn"
            with writer.begin() as conn:
                bulk_places(conn, 3, *XUAN_HOA, spread=0.0001, first_serial=10)
            fresh = await other.service.get("places", tile, today=TODAY)
            assert fresh.source == "drawn" and len(_codes(fresh.data)) == 3
            assert (await other.service.get("places", far, today=TODAY)).source == "shared"
            # drained: the stale row is gone, the row elsewhere stays
            await one.service.drain()
            with writer.connect() as conn:
                rows = conn.execute(
                    text("SELECT x, y FROM tile_cache WHERE layer = 'places' AND z = 15")
                ).all()
            assert {(far.x, far.y), (tile.x, tile.y)} == {tuple(r) for r in rows}
        finally:
            await one.close()
            await other.close()

    asyncio.run(scenario())


def test_a_tile_drawn_before_a_write_is_never_served_after_it(writer: Engine) -> None:
    tile = tile_of_lonlat(*XUAN_HOA, 14)

    async def scenario() -> None:
        opened = await open_service(Database(writer), TileSettings(), listen=False)
        service = opened.service
        try:
            executor = service.executor
            stale = await draw(executor.fetch, "places", tile, today=TODAY, at=None)
            with writer.begin() as conn:
                bulk_places(conn, 2, *XUAN_HOA, spread=0.0001, first_serial=20)
            # a slow worker keeps what it drew before the write, after the write
            await executor.execute(
                sql("tile_cache_put"),
                {
                    "layer": "places",
                    "variant": "",
                    "z": tile.z,
                    "x": tile.x,
                    "y": tile.y,
                    "today": TODAY,
                    "margin": 64 / 4096,
                    "data": stale.data,
                    "etag": "stale",
                    "snapshot": stale.snapshot,
                    "fresh_until": None,
                    "drawn_at": stale.drawn_at,
                },
            )
            served = await service.get("places", tile, today=TODAY)
            assert served.source == "drawn" and len(_codes(served.data)) == 2
        finally:
            await opened.close()

    asyncio.run(scenario())


def test_a_version_dated_tomorrow_appears_tomorrow(writer: Engine) -> None:
    tile = tile_of_lonlat(*XUAN_HOA, 16)
    low = tile_of_lonlat(*XUAN_HOA, 11)
    day = admin_units.today() + timedelta(days=30)  # past days' counts get folded

    async def scenario() -> None:
        with writer.begin() as conn:
            bulk_places(conn, 1, *XUAN_HOA, spread=0.0001, first_serial=30, valid_from=day)
            bulk_places(
                conn, 1, *XUAN_HOA, spread=0.0001, first_serial=31, valid_from=day + timedelta(1)
            )
        opened = await open_service(Database(writer), TileSettings())
        service = opened.service
        try:
            today = await service.get("places", tile, today=day)
            assert len(_codes(today.data)) == 1
            assert (await service.get("places", tile, today=day)).source == "memory"
            tomorrow = await service.get("places", tile, today=day + timedelta(1))
            assert tomorrow.source != "memory" and len(_codes(tomorrow.data)) == 2
            cells = await service.get("places", low, today=day)
            later = await service.get("places", low, today=day + timedelta(1))
            assert [_count(t.data) for t in (cells, later)] == [1, 2]
        finally:
            await opened.close()

    asyncio.run(scenario())


def _count(data: bytes) -> int:
    return sum(f.properties["count"] for f in decode(data)["places"].features)


def test_counts_of_past_days_are_folded_into_one_row(writer: Engine) -> None:
    today = admin_units.today()
    low = tile_of_lonlat(*XUAN_HOA, 10)

    def rows() -> int:
        with writer.connect() as conn:
            found: int = conn.execute(
                text("SELECT count(*) FROM tile_place_cell WHERE z = :z AND x = :x AND y = :y"),
                {"z": low.z, "x": low.x, "y": low.y},
            ).scalar_one()
        return found

    async def scenario() -> None:
        with writer.begin() as conn:
            for serial, n, days in ((40, 2, -10), (42, 3, -5), (45, 1, 5)):
                bulk_places(
                    conn, n, *XUAN_HOA, spread=0.0001, first_serial=serial,
                    valid_from=today + timedelta(days),
                )  # fmt: skip
        opened = await open_service(Database(writer), TileSettings(cache=False))
        service = opened.service
        try:
            assert rows() == 3
            before = [await service.get("places", low, today=today + timedelta(d)) for d in (0, 5)]
            await service.compact(today)
            assert rows() == 2  # the past days in one row, the future one apart
            after = [await service.get("places", low, today=today + timedelta(d)) for d in (0, 5)]
            assert [_count(t.data) for t in after] == [_count(t.data) for t in before] == [5, 6]
        finally:
            await opened.close()

    asyncio.run(scenario())
