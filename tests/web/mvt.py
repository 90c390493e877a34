"""A small Mapbox Vector Tile 2.1 reader for the tests: layers, features, their properties
and the vertices of their geometry in tile coordinates (0–extent, y down)."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Feature:
    id: int | None
    type: int  # 1 point, 2 line, 3 polygon
    properties: dict[str, Any]
    vertices: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Layer:
    name: str
    extent: int
    features: list[Feature]


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def _fields(buf: bytes) -> list[tuple[int, Any]]:
    """(field number, value) pairs of a protobuf message; length-delimited values as bytes."""
    out: list[tuple[int, Any]] = []
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 2:
            length, i = _varint(buf, i)
            value, i = buf[i : i + length], i + length
        elif wire == 1:
            value, i = buf[i : i + 8], i + 8
        elif wire == 5:
            value, i = buf[i : i + 4], i + 4
        else:
            raise ValueError(f"wire type {wire}")
        out.append((number, value))
    return out


def _packed(buf: bytes) -> list[int]:
    values, i = [], 0
    while i < len(buf):
        v, i = _varint(buf, i)
        values.append(v)
    return values


def _zigzag(n: int) -> int:
    return (n >> 1) ^ -(n & 1)


def _value(buf: bytes) -> Any:
    for number, v in _fields(buf):
        if number == 1:
            return v.decode()
        if number == 2:
            return struct.unpack("<f", v)[0]
        if number == 3:
            return struct.unpack("<d", v)[0]
        if number in (4, 5):
            return v if number == 5 or v < 2**63 else v - 2**64
        if number == 6:
            return _zigzag(v)
        if number == 7:
            return bool(v)
    return None


def _vertices(commands: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    x = y = i = 0
    while i < len(commands):
        command, count = commands[i] & 7, commands[i] >> 3
        i += 1
        if command in (1, 2):
            for _ in range(count):
                x += _zigzag(commands[i])
                y += _zigzag(commands[i + 1])
                i += 2
                out.append((x, y))
    return out


def decode(data: bytes) -> dict[str, Layer]:
    """The layers of a tile by name (an empty tile has none)."""
    layers: dict[str, Layer] = {}
    for number, raw in _fields(data):
        if number != 3:
            continue
        name, extent = "", 4096
        keys: list[str] = []
        values: list[Any] = []
        raw_features: list[bytes] = []
        for n, v in _fields(raw):
            if n == 1:
                name = v.decode()
            elif n == 2:
                raw_features.append(v)
            elif n == 3:
                keys.append(v.decode())
            elif n == 4:
                values.append(_value(v))
            elif n == 5:
                extent = v
        features = []
        for rf in raw_features:
            fid, ftype, tags, geometry = None, 0, [], []
            for n, v in _fields(rf):
                if n == 1:
                    fid = v
                elif n == 2:
                    tags = _packed(v)
                elif n == 3:
                    ftype = v
                elif n == 4:
                    geometry = _packed(v)
            props = {keys[tags[i]]: values[tags[i + 1]] for i in range(0, len(tags), 2)}
            features.append(Feature(fid, ftype, props, _vertices(geometry)))
        layers[name] = Layer(name, extent, features)
    return layers
