"""Statements on libpq connections driven straight from asyncio: the tile server's hot path.

psycopg's asynchronous ``execute`` spends about 190 µs of Python per statement here (its
generator-based waiting, cursor and adaptation machinery), more than a z17 tile takes to
draw; its ``pq`` layer, which wraps libpq one call for one call, does the same work in
about 70 µs. :class:`RawConnection` uses that layer for the few statement shapes tiles
need: statements written with psycopg's ``%(name)s`` placeholders are turned into
``$n`` ones and prepared once per connection; parameters go as text (``bytes`` as binary),
results come back binary and are decoded for the types tiles use. Connections are opened
with psycopg itself (``AsyncConnection.connect``) and are in autocommit.
"""

from __future__ import annotations

import asyncio
import re
import struct
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

import psycopg
from psycopg import pq

__all__ = ["Notification", "RawConnection", "RawConnectionPool", "to_positional"]

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_EPOCH_DATE = date(2000, 1, 1).toordinal()
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_DATE_INFINITY = (2**31 - 1, -(2**31))

Notification = tuple[str, str]  # channel, payload


@cache
def to_positional(text: str) -> tuple[bytes, tuple[str, ...]]:
    """``%(name)s`` placeholders → ``$1``…, numbered by first appearance; the names in order.

    >>> to_positional("SELECT %(a)s, %(b)s, %(a)s")
    (b'SELECT $1, $2, $1', ('a', 'b'))
    """
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match[1] not in names:
            names.append(match[1])
        return f"${names.index(match[1]) + 1}"

    return _PLACEHOLDER.sub(number, text).encode(), tuple(names)


def _array_item(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(value: Any) -> tuple[bytes | None, int]:
    return str(value).encode(), 0


def _iso(value: date | datetime) -> tuple[bytes | None, int]:
    return value.isoformat().encode(), 0


def _array(value: list[Any] | tuple[Any, ...]) -> tuple[bytes | None, int]:
    return ("{" + ",".join(_array_item(str(v)) for v in value) + "}").encode(), 0


_ENCODERS: dict[type, Callable[[Any], tuple[bytes | None, int]]] = {
    type(None): lambda _: (None, 0),
    bytes: lambda value: (value, 1),
    bool: lambda value: (b"t" if value else b"f", 0),
    int: _text,
    str: lambda value: (value.encode(), 0),
    float: lambda value: (repr(value).encode(), 0),
    date: _iso,
    datetime: _iso,
    list: _array,
    tuple: _array,
}


def encode(value: Any) -> tuple[bytes | None, int]:
    """A parameter as libpq wants it: (bytes or ``None``, format: 0 text, 1 binary).

    >>> encode(["province", 'a"b']), encode(True), encode(date(2026, 1, 2))
    ((b'{"province","a\\\\"b"}', 0), (b't', 0), (b'2026-01-02', 0))
    """
    encoder = _ENCODERS.get(type(value))
    if encoder is None:
        raise TypeError(f"cannot send {type(value).__name__} as a parameter")
    return encoder(value)


def _wake(ready: asyncio.Future[None]) -> None:
    if not ready.done():
        ready.set_result(None)


def _date(raw: bytes) -> date | None:
    (days,) = struct.unpack("!i", raw)
    if days in _DATE_INFINITY:
        return None  # ±infinity: no bound
    return date.fromordinal(_EPOCH_DATE + days)


DECODERS: dict[int, Callable[[bytes], Any]] = {
    17: bytes,  # bytea
    25: lambda raw: raw.decode(),  # text
    1043: lambda raw: raw.decode(),  # varchar
    16: lambda raw: raw == b"\x01",  # bool
    23: lambda raw: struct.unpack("!i", raw)[0],  # int4
    20: lambda raw: struct.unpack("!q", raw)[0],  # int8
    1082: _date,
    1184: lambda raw: _EPOCH + timedelta(microseconds=struct.unpack("!q", raw)[0]),
}


class RawConnection:
    """One autocommit connection; one statement at a time (the pool sees to it)."""

    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self._conn = conn
        self.pgconn: pq.abc.PGconn = conn.pgconn
        self._prepared: dict[bytes, bytes] = {}
        self.notifications: list[Notification] = []

    @classmethod
    async def connect(cls, conninfo: str) -> RawConnection:
        return cls(await psycopg.AsyncConnection.connect(conninfo, autocommit=True))

    @property
    def broken(self) -> bool:
        """Closed, failed, or left in a transaction or in the middle of a statement."""
        return (
            self.pgconn.status != pq.ConnStatus.OK
            or self.pgconn.transaction_status != pq.TransactionStatus.IDLE
        )

    async def close(self) -> None:
        await self._conn.close()

    async def fetch(self, text: str, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The first row of ``text`` (``%(name)s`` placeholders) run with ``params``."""
        sql, names = to_positional(text)
        name = self._prepared.get(sql)
        if name is None:
            name = f"t{len(self._prepared)}".encode()
            self.pgconn.send_prepare(name, sql)
            await self._results()
            self._prepared[sql] = name
        values: list[bytes | None] = []
        formats: list[int] = []
        for key in names:
            value, fmt = encode(params[key])
            values.append(value)
            formats.append(fmt)
        self.pgconn.send_query_prepared(name, values, formats, result_format=1)
        results = await self._results()
        return _first_row(results[-1]) if results else None

    async def simple(self, sql: bytes) -> None:
        """Run ``sql`` (no parameters) for its effect, e.g. ``LISTEN``, or ``SELECT 1`` to
        collect the notifications delivered ahead of its answer."""
        self.pgconn.send_query(sql)
        await self._results()

    async def wait_readable(self) -> None:
        """Wait until the server sends something (a notification, when idle)."""
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        fd = self.pgconn.socket
        loop.add_reader(fd, _wake, ready)
        try:
            await ready
        finally:
            loop.remove_reader(fd)

    async def _results(self) -> list[pq.abc.PGresult]:
        pgconn = self.pgconn
        while pgconn.flush():
            await self._wait(writable=True)
        results: list[pq.abc.PGresult] = []
        error: pq.abc.PGresult | None = None
        while True:
            pgconn.consume_input()
            while (note := pgconn.notifies()) is not None:
                self.notifications.append((note.relname.decode(), note.extra.decode()))
            if pgconn.is_busy():
                await self._wait()
                continue
            result = pgconn.get_result()
            if result is None:
                break
            if result.status == pq.ExecStatus.FATAL_ERROR:
                error = result
            results.append(result)
        if error is not None:
            message = (error.error_message or b"").decode(errors="replace").strip()
            raise psycopg.DatabaseError(message or "statement failed")
        if pgconn.status != pq.ConnStatus.OK:
            raise psycopg.OperationalError("connection lost")
        return results

    async def _wait(self, writable: bool = False) -> None:
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        fd = self.pgconn.socket
        add, remove = (
            (loop.add_writer, loop.remove_writer)
            if writable
            else (loop.add_reader, loop.remove_reader)
        )
        add(fd, _wake, ready)
        try:
            await ready
        finally:
            remove(fd)


def _first_row(result: pq.abc.PGresult) -> tuple[Any, ...] | None:
    if result.status != pq.ExecStatus.TUPLES_OK or result.ntuples == 0:
        return None
    row: list[Any] = []
    for column in range(result.nfields):
        raw = result.get_value(0, column)
        if raw is None:
            row.append(None)
            continue
        decoder = DECODERS.get(result.ftype(column))
        if decoder is None:
            raise TypeError(f"no decoder for type oid {result.ftype(column)}")
        row.append(decoder(raw))
    return tuple(row)


class RawConnectionPool:
    """At most ``size`` :class:`RawConnection` of one event loop, opened on demand, handed
    out in turn; a broken one is closed, not reused."""

    def __init__(self, conninfo: str, size: int) -> None:
        self.conninfo = conninfo
        self.size = size
        self._idle: asyncio.LifoQueue[RawConnection] = asyncio.LifoQueue()
        self._open = 0

    async def acquire(self) -> RawConnection:
        if not self._idle.empty():
            return self._idle.get_nowait()
        if self._open < self.size:
            self._open += 1
            try:
                return await RawConnection.connect(self.conninfo)
            except BaseException:
                self._open -= 1
                raise
        return await self._idle.get()

    def release(self, conn: RawConnection) -> None:
        if conn.broken:
            self._open -= 1
            asyncio.get_running_loop().create_task(conn.close())
            return
        self._idle.put_nowait(conn)

    async def fetch(self, text: str, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        conn = await self.acquire()
        try:
            return await conn.fetch(text, params)
        finally:
            self.release(conn)

    async def close(self) -> None:
        while not self._idle.empty():
            await self._idle.get_nowait().close()
            self._open -= 1
