"""Serving vector tiles through two caches that a write invalidates at once, everywhere.

Layers, from the request inward:

1. **Memory** (:class:`MemoryCache`), per worker process: recently served tiles.
2. **Shared** (``tile_cache``, an unlogged table): every worker and ``diachi tiles seed``
   read and fill it. Each tile keeps the snapshot it was drawn in.
3. **Drawing** (:func:`registry.vector_tiles.draw`): the layer's SQL.

Invalidation. The triggers of migration 0005 record, in the writing transaction, the
EPSG:3857 envelopes of every geometry a statement touched (old and new positions) with
the tile layers showing them (``tile_dirty``), and send ``NOTIFY diachi_tiles``.

- A shared tile is stale when a recorded write that touches its buffered bounds is not
  visible in its snapshot (``registry/sql/tile_cache_get.sql``). A reader sees every write
  committed before its statement began, so a request that starts after a write's response
  never gets the old tile from the table; tiles elsewhere stay.
- Each worker LISTENs (:class:`Listener`) and drops its memory copies of the tiles a
  notification touches. Before answering from memory, a request waits for one round trip
  on the listening connection that started after the request did (:meth:`Listener.sync`):
  PostgreSQL delivers the notifications of every transaction committed before a query
  ahead of that query's answer, so none of them can still be on the way. Concurrent
  requests share the round trip.
- A request records the memory cache's generation before it reads the database and keeps
  what it read only if no notification since then touched that tile.
- The ``review`` layer varies by key and is never cached.

Coordinates are EPSG:3857 metres; dates are calendar dates in Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

import psycopg
from psycopg.conninfo import make_conninfo
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import make_url

from geo.tiles import BUFFER, EXTENT, LAYERS, Bounds, Tile, buffered_bounds
from registry import admin_units
from registry.database import Database
from registry.pq import RawConnection, RawConnectionPool
from registry.vector_tiles import Drawn, Row, draw, sql

__all__ = [
    "CHANNEL",
    "DatabaseExecutor",
    "Invalidation",
    "Listener",
    "MemoryCache",
    "PoolExecutor",
    "SeedReport",
    "Served",
    "TileService",
    "TileSettings",
    "conninfo",
    "open_service",
    "seed",
]

CHANNEL = "diachi_tiles"
log = logging.getLogger("diachi.tiles")

Key = tuple[str, str, int, int, int]  # layer, variant, z, x, y


class TileSettings(BaseSettings):
    """Tile serving settings: ``DIACHI_TILES__<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="DIACHI_TILES__")

    cache: bool = Field(default=True, description="Use the shared and memory caches")
    memory_mb: int = Field(default=256, ge=0, description="Memory cache per worker, MiB")
    pool_size: int = Field(default=8, ge=1, le=100, description="Tile connections per worker")
    sync_timeout_s: float = Field(
        default=2.0, gt=0, description="Longest wait for the listener before skipping memory"
    )
    drain_every_s: float = Field(default=60.0, gt=0, description="Drain stale tiles this often")


# Tile statements are prepared (psycopg, after 5 uses) and always keep their generic plan:
# left to choose, PostgreSQL plans the points statement anew on every execution (its
# estimated generic cost is a little higher than a custom plan's, which is the same plan)
# and planning a PostGIS statement costs about as much as running it.
TILE_OPTIONS = "-c timezone=UTC -c plan_cache_mode=force_generic_plan"


def conninfo(sqlalchemy_url: str, statement_timeout_ms: int = 30_000) -> str:
    """A libpq connection string for a SQLAlchemy URL: UTC, a statement timeout, generic
    plans for prepared statements (:data:`TILE_OPTIONS`)."""
    url = make_url(sqlalchemy_url)
    return make_conninfo(
        "",
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        dbname=url.database,
        options=f"{TILE_OPTIONS} -c statement_timeout={statement_timeout_ms}",
        **{k: str(v) for k, v in url.query.items()},
    )


# --- how statements run ------------------------------------------------------------------


class Executor(Protocol):
    """Runs one statement in its own transaction."""

    async def fetch(self, text: str, params: Mapping[str, Any]) -> Row | None:
        """The first row of ``text`` run with ``params``, or ``None``."""
        ...

    async def execute(self, text: str, params: Mapping[str, Any]) -> None:
        """Run ``text`` with ``params`` for its effect."""
        ...


class PoolExecutor:
    """Statements on the raw libpq connections of a :class:`registry.pq.RawConnectionPool`
    (prepared once per connection)."""

    def __init__(self, pool: RawConnectionPool) -> None:
        self.pool = pool

    async def fetch(self, text: str, params: Mapping[str, Any]) -> Row | None:
        return await self.pool.fetch(text, params)

    async def execute(self, text: str, params: Mapping[str, Any]) -> None:
        await self.pool.fetch(text, params)


class DatabaseExecutor:
    """Statements through a :class:`registry.database.Database` in a worker thread: what a
    test's rolled-back database sees (its uncommitted rows included)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def fetch(self, text: str, params: Mapping[str, Any]) -> Row | None:
        return await asyncio.to_thread(self._run, text, params, True)

    async def execute(self, text: str, params: Mapping[str, Any]) -> None:
        await asyncio.to_thread(self._run, text, params, False)

    def _run(self, text: str, params: Mapping[str, Any], fetch: bool) -> Row | None:
        with self.database.transaction() as conn:
            result = conn.exec_driver_sql(text, dict(params))
            row = result.first() if fetch else None
        return tuple(row) if row is not None else None


# --- invalidation -------------------------------------------------------------------------


def _intersects(a: Bounds, b: Bounds) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


@dataclass(frozen=True, slots=True)
class Invalidation:
    """What one notification says a write touched: tile layers and EPSG:3857 boxes.

    >>> change = Invalidation.parse("places,basemap|11876000 1207000 11876001 1207001")
    >>> change.touches(("places", "", 14, 13047, 7698))
    True
    >>> change.touches(("admin", "", 14, 13047, 7698))
    False
    """

    layers: frozenset[str]
    boxes: tuple[Bounds, ...]

    @classmethod
    def parse(cls, payload: str) -> Invalidation:
        """Read ``"layer,layer|minx miny maxx maxy;…"``; raises :class:`ValueError`."""
        layers, _, boxes = payload.partition("|")
        parsed: list[Bounds] = []
        for box in boxes.split(";"):
            minx, miny, maxx, maxy = (float(v) for v in box.split())
            parsed.append((minx, miny, maxx, maxy))
        return cls(frozenset(layers.split(",")), tuple(parsed))

    def touches(self, key: Key) -> bool:
        """Whether the tile ``key`` shows what this write touched (its clip buffer included)."""
        layer, _, z, x, y = key
        if layer not in self.layers:
            return False
        bounds = buffered_bounds(z, x, y)
        return any(_intersects(bounds, box) for box in self.boxes)


@dataclass(frozen=True, slots=True)
class Entry:
    """A tile kept in memory: its bytes, ETag, and the last day it holds (exclusive)."""

    data: bytes
    etag: str
    fresh_until: date | None


class MemoryCache:
    """Least recently used tiles of one worker, at most ``max_bytes`` of tile data.

    ``generation`` counts the invalidations received; :meth:`put` keeps a tile read at
    generation ``since`` only if no invalidation received since then touched it.
    """

    LOG = 512  # invalidations remembered for put()

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.generation = 0
        self._items: OrderedDict[Key, Entry] = OrderedDict()
        self._bytes = 0
        self._log: deque[tuple[int, Invalidation | None]] = deque(maxlen=self.LOG)

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Key, today: date) -> Entry | None:
        entry = self._items.get(key)
        if entry is None:
            return None
        if entry.fresh_until is not None and entry.fresh_until <= today:
            self._drop(key)
            return None
        self._items.move_to_end(key)
        return entry

    def put(self, key: Key, entry: Entry, since: int) -> bool:
        """Keep ``entry`` unless an invalidation after generation ``since`` touched ``key``."""
        if len(entry.data) > self.max_bytes:
            return False
        if since != self.generation:
            if not self._log or self._log[0][0] > since + 1:
                return False  # the log no longer reaches back that far
            for generation, change in self._log:
                if generation > since and (change is None or change.touches(key)):
                    return False
        if key in self._items:
            self._drop(key)
        self._items[key] = entry
        self._bytes += len(entry.data)
        while self._bytes > self.max_bytes:
            self._drop(next(iter(self._items)))
        return True

    def invalidate(self, change: Invalidation) -> int:
        """Drop every tile ``change`` touches; how many were dropped."""
        self.generation += 1
        self._log.append((self.generation, change))
        stale = [key for key in self._items if change.touches(key)]
        for key in stale:
            self._drop(key)
        return len(stale)

    def clear(self) -> None:
        """Drop everything (notifications may have been missed)."""
        self.generation += 1
        self._log.append((self.generation, None))
        self._items.clear()
        self._bytes = 0

    def _drop(self, key: Key) -> None:
        entry = self._items.pop(key)
        self._bytes -= len(entry.data)


def _settle(ready: asyncio.Future[str], why: str) -> None:
    if not ready.done():
        ready.set_result(why)


class Listener:
    """One LISTEN connection per worker: hands every notification on ``diachi_tiles`` to
    ``on_change``, and offers :meth:`sync`, the barrier that makes the memory cache safe.

    ``on_reset`` is called on every (re)connection, when notifications may have been
    missed; ``on_idle`` every ``idle_s`` seconds without requests.
    """

    def __init__(
        self,
        conninfo: str,
        on_change: Callable[[Invalidation], None],
        on_reset: Callable[[], None],
        on_idle: Callable[[], None] | None = None,
        idle_s: float = 60.0,
    ) -> None:
        self._conninfo = conninfo
        self._on_change = on_change
        self._on_reset = on_reset
        self._on_idle = on_idle
        self._idle_s = idle_s
        self._waiters: list[asyncio.Future[None]] = []
        self._ready: asyncio.Future[str] | None = None  # the idle wait, when idle
        self._task: asyncio.Task[None] | None = None
        self._conn: RawConnection | None = None
        self.connected = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="diachi-tiles-listener")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.connected.wait(), 5.0)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._conn is not None:
            await self._conn.close()

    async def sync(self) -> None:
        """Return once every notification of a transaction committed before this call has
        been handed to ``on_change``. Raises :class:`ConnectionError` if the listening
        connection is down."""
        if not self.connected.is_set():
            raise ConnectionError("tile listener not connected")
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        if self._ready is not None:
            _settle(self._ready, "sync")
        await waiter

    def _deliver(self, conn: RawConnection) -> None:
        notes, conn.notifications = conn.notifications, []
        for _, payload in notes:
            try:
                change = Invalidation.parse(payload)
            except ValueError:
                log.warning("unreadable tile notification %r: dropping the memory cache", payload)
                self._on_reset()
                continue
            self._on_change(change)

    async def _idle(self, conn: RawConnection) -> bool:
        """Wait for a request to sync, a notification, or ``idle_s``; whether it timed out.
        One future, one reader, one timer: nothing outlives the wait."""
        if self._waiters:
            return False
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[str] = loop.create_future()
        fd = conn.pgconn.socket
        loop.add_reader(fd, _settle, ready, "notified")
        timer = loop.call_later(self._idle_s, _settle, ready, "idle")
        self._ready = ready
        try:
            return await ready == "idle"
        finally:
            self._ready = None
            timer.cancel()
            loop.remove_reader(fd)

    async def _run(self) -> None:
        while True:
            try:
                if self._conn is None or self._conn.broken:
                    self._conn = await RawConnection.connect(self._conninfo)
                    await self._conn.simple(f"LISTEN {CHANNEL}".encode())
                    self._on_reset()
                    self.connected.set()
                conn = self._conn
                idle = await self._idle(conn)
                waiters, self._waiters = self._waiters, []
                await conn.simple(b"SELECT 1")  # delivers every pending notification
                self._deliver(conn)
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_result(None)
                if idle and self._on_idle is not None:
                    self._on_idle()
            except asyncio.CancelledError:
                raise
            except (psycopg.Error, OSError) as exc:
                log.warning("tile listener lost its connection (%s); reconnecting", exc)
                self.connected.clear()
                for waiter in self._waiters:
                    if not waiter.done():
                        waiter.set_exception(ConnectionError(str(exc)))
                self._waiters = []
                if self._conn is not None:
                    with contextlib.suppress(Exception):
                        await self._conn.close()
                self._conn = None
                await asyncio.sleep(1.0)


# --- the service ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Served:
    """A tile as served: bytes, strong ETag (hex, unquoted), and where it came from
    (``memory``, ``shared`` or ``drawn``)."""

    data: bytes
    etag: str
    source: str


def etag_of(data: bytes) -> str:
    """The ETag of tile bytes (MD5 hex, the same as PostgreSQL's ``md5()``)."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def variant_of(layer: str, at: date | None) -> str:
    """The cache variant of a request: ``""`` for today's data, ``at=YYYY-MM-DD`` for the
    administrative units of another date (dated layers only)."""
    if at is None or not LAYERS[layer].dated:
        return ""
    return f"at={at.isoformat()}"


class TileService:
    """Tiles for every layer, through the caches (see the module's docstring).

    ``shared`` turns the ``tile_cache`` table on; :meth:`attach` adds the memory cache with
    the listener that keeps it safe (never one without the other).
    """

    def __init__(
        self,
        executor: Executor,
        *,
        shared: bool,
        sync_timeout_s: float = 2.0,
    ) -> None:
        self.executor = executor
        self.shared = shared
        self.memory: MemoryCache | None = None
        self.listener: Listener | None = None
        self.sync_timeout_s = sync_timeout_s
        self._drain_task: asyncio.Task[None] | None = None
        self._compacted_on: date | None = None

    def attach(self, memory: MemoryCache, listener: Listener) -> None:
        """Serve from ``memory``, invalidated through ``listener``."""
        self.memory = memory
        self.listener = listener

    async def get(
        self, layer: str, tile: Tile, at: date | None = None, *, today: date | None = None
    ) -> Served:
        """Layer ``layer`` (a key of :data:`geo.tiles.LAYERS`) for ``tile``; ``at`` is the date
        of the administrative units (dated layers). Raises :class:`KeyError` for an unknown
        layer."""
        spec = LAYERS[layer]
        day = today or admin_units.today()
        if spec.private:
            drawn = await draw(self.executor.fetch, layer, tile, today=day, at=at)
            return Served(drawn.data, etag_of(drawn.data), "drawn")
        key: Key = (layer, variant_of(layer, at), tile.z, tile.x, tile.y)
        since = 0
        if self.memory is not None and self.listener is not None:
            try:
                await asyncio.wait_for(self.listener.sync(), self.sync_timeout_s)
            except (ConnectionError, TimeoutError):
                pass  # memory cannot be trusted now: read the database
            else:
                entry = self.memory.get(key, day)
                if entry is not None:
                    return Served(entry.data, entry.etag, "memory")
            since = self.memory.generation
        if self.shared:
            row = await self.executor.fetch(sql("tile_cache_get"), _key_params(key, day))
            if row is not None:
                data, etag = bytes(row[0]), str(row[1])
                self._remember(key, Entry(data, etag, row[2]), since)
                return Served(data, etag, "shared")
        drawn = await draw(self.executor.fetch, layer, tile, today=day, at=at)
        etag = etag_of(drawn.data)
        if self.shared and drawn.snapshot:
            await self.executor.execute(sql("tile_cache_put"), _put_params(key, drawn, etag, day))
        self._remember(key, Entry(drawn.data, etag, drawn.fresh_until), since)
        return Served(drawn.data, etag, "drawn")

    async def warm(self, layer: str, tile: Tile, at: date | None = None) -> bool:
        """Put ``tile`` of ``layer`` in the shared cache unless a fresh copy is there;
        whether it had to be drawn."""
        day = admin_units.today()
        key: Key = (layer, variant_of(layer, at), tile.z, tile.x, tile.y)
        if await self.executor.fetch(sql("tile_cache_get"), _key_params(key, day)) is not None:
            return False
        drawn = await draw(self.executor.fetch, layer, tile, today=day, at=at)
        if drawn.snapshot:
            etag = etag_of(drawn.data)
            await self.executor.execute(sql("tile_cache_put"), _put_params(key, drawn, etag, day))
        return True

    async def drain(self) -> None:
        """Delete stale tiles from the shared cache and old write records (one drainer at a
        time across workers; the others return at once); on a worker's first drain of a day,
        fold the place counts of past days (``tile_place_cells_compact.sql``)."""
        await self.executor.execute(sql("tile_cache_drain"), {})
        day = admin_units.today()
        if self._compacted_on != day:
            await self.compact(day)
            self._compacted_on = day

    async def compact(self, day: date) -> None:
        """Fold the counts of places valid since before the day before ``day`` into one
        row per cell."""
        await self.executor.execute(
            sql("tile_place_cells_compact"), {"before": day - timedelta(days=1)}
        )

    def changed(self, change: Invalidation) -> None:
        """A notification arrived: drop memory copies, and drain the shared cache soon."""
        if self.memory is not None:
            self.memory.invalidate(change)
        self.schedule_drain()

    def reset(self) -> None:
        if self.memory is not None:
            self.memory.clear()

    def schedule_drain(self, delay_s: float = 1.0) -> None:
        """Drain once, ``delay_s`` from now (several notifications share one drain)."""
        if not self.shared or (self._drain_task is not None and not self._drain_task.done()):
            return
        self._drain_task = asyncio.get_running_loop().create_task(self._drain_later(delay_s))

    async def _drain_later(self, delay_s: float) -> None:
        await asyncio.sleep(delay_s)
        try:
            await self.drain()
        except psycopg.Error as exc:
            log.warning("draining the tile cache failed: %s", exc)

    async def close(self) -> None:
        """Stop the listener and any pending drain."""
        if self._drain_task is not None:
            self._drain_task.cancel()
        if self.listener is not None:
            await self.listener.stop()

    def _remember(self, key: Key, entry: Entry, since: int) -> None:
        if self.memory is not None:
            self.memory.put(key, entry, since)


def _key_params(key: Key, today: date) -> dict[str, Any]:
    layer, variant, z, x, y = key
    return {"layer": layer, "variant": variant, "z": z, "x": x, "y": y, "today": today}


def _put_params(key: Key, drawn: Drawn, etag: str, today: date) -> dict[str, Any]:
    return {
        **_key_params(key, today),
        "margin": BUFFER / EXTENT,
        "data": drawn.data,
        "etag": etag,
        "snapshot": drawn.snapshot,
        "fresh_until": drawn.fresh_until,
        "drawn_at": drawn.drawn_at,
    }


@dataclass
class OpenService:
    """A service with what it owns (pool, listener), to close together."""

    service: TileService
    pool: RawConnectionPool | None = None

    async def close(self) -> None:
        await self.service.close()
        if self.pool is not None:
            await self.pool.close()


async def open_service(
    database: Database,
    settings: TileSettings,
    *,
    statement_timeout_ms: int = 30_000,
    own_connections: bool = True,
    listen: bool = True,
) -> OpenService:
    """The tile service for ``database``.

    With ``own_connections`` (the application's own database) tiles use a pool of
    autocommit connections, the shared cache when ``settings.cache``, and, with
    ``listen``, the memory cache and its listener. Otherwise (a test's rolled-back
    database) they are drawn through ``database`` every time, uncached.
    """
    if not own_connections:
        return OpenService(TileService(DatabaseExecutor(database), shared=False))
    info = conninfo(database.engine.url.render_as_string(hide_password=False), statement_timeout_ms)
    pool = RawConnectionPool(info, settings.pool_size)
    executor = PoolExecutor(pool)
    if not settings.cache:
        return OpenService(TileService(executor, shared=False), pool)
    service = TileService(executor, shared=True, sync_timeout_s=settings.sync_timeout_s)
    if listen:
        listener = Listener(
            info,
            on_change=service.changed,
            on_reset=service.reset,
            on_idle=service.schedule_drain,
            idle_s=settings.drain_every_s,
        )
        service.attach(MemoryCache(settings.memory_mb * 1024 * 1024), listener)
        await listener.start()
    return OpenService(service, pool)


@dataclass
class SeedReport:
    """What a seeding run did: tiles drawn, tiles already fresh in the cache."""

    drawn: int = 0
    fresh: int = 0


async def seed(
    service: TileService,
    layers: list[str],
    tiles: Iterable[Tile],
    *,
    at: date | None = None,
    concurrency: int = 4,
    progress: Callable[[], None] | None = None,
) -> SeedReport:
    """Put every tile of ``tiles`` for each of ``layers`` in the shared cache, ``concurrency``
    at a time; tiles already fresh there are skipped, so an interrupted run resumes.
    ``progress`` is called once per tile and layer."""
    report = SeedReport()
    work = ((layer, tile) for tile in tiles for layer in layers)

    async def worker() -> None:
        for layer, tile in work:
            if await service.warm(layer, tile, at):
                report.drawn += 1
            else:
                report.fresh += 1
            if progress is not None:
                progress()

    await service.drain()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return report
