"""Reading a batch of addresses: CSV or JSON lines → rows to geocode (pure, no database).

A file names the address in one column (``column``) or in structured columns (house number,
street, commune, district, province: each part → the column that holds it), and optionally
the column holding the caller's row id (``id_column``; by default the row number). Whole-file
problems raise :class:`BatchInputError` (an :class:`~registry.errors.InvalidInput`, HTTP
422): not UTF-8, no rows, more than :data:`MAX_ROWS` rows, an unknown column. A bad row (a
ragged CSV line, a JSON line that is not an object, an empty or over-long address) is kept
with its reason and does not stop the others.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from registry.errors import FieldError, InvalidInput

__all__ = [
    "FORMATS",
    "MAX_QUERY_LENGTH",
    "MAX_ROWS",
    "PARTS",
    "BatchInputError",
    "BatchOptions",
    "InputRow",
    "compose",
    "read_rows",
]

MAX_ROWS = 100_000
MAX_QUERY_LENGTH = 500  # as /geocode's q
FORMATS = ("csv", "jsonl")
PARTS = ("house_number", "street", "commune", "district", "province")


class BatchInputError(InvalidInput):
    """A batch file that cannot be taken at all (the whole request is refused)."""

    type = "invalid-batch"
    title = "Tệp địa chỉ không hợp lệ / Invalid batch file"


@dataclass(frozen=True)
class BatchOptions:
    """How to read a file: its format, where the address is, where the row id is, and the
    date the addresses are read at (``None``: today when the job is created)."""

    format: str = "csv"
    column: str | None = None
    structured: Mapping[str, str] = field(default_factory=dict)
    id_column: str | None = None
    at: date | None = None

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise BatchInputError(
                f"format must be one of {', '.join(FORMATS)}",
                errors=[FieldError(("query", "format"), f"one of {', '.join(FORMATS)}")],
            )
        unknown = sorted(set(self.structured) - set(PARTS))
        if unknown:
            raise BatchInputError(
                f"unknown address part(s): {', '.join(unknown)}",
                errors=[FieldError(("query", p), "not an address part") for p in unknown],
            )
        if (self.column is None) == (not self.structured):
            raise BatchInputError(
                "give either column (the address column) or structured columns"
                f" ({', '.join(PARTS)}), not both or neither",
                errors=[FieldError(("query", "column"), "column, or structured columns")],
            )

    def columns(self) -> list[tuple[str, str]]:
        """(what, column) for every column the file must have."""
        wanted = [("q", self.column)] if self.column else list(self.structured.items())
        return wanted + ([("id", self.id_column)] if self.id_column else [])

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "column": self.column,
            "structured": dict(self.structured),
            "id_column": self.id_column,
            "at": self.at.isoformat() if self.at else None,
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> BatchOptions:
        at = value.get("at")
        return cls(
            format=value["format"],
            column=value.get("column"),
            structured=value.get("structured") or {},
            id_column=value.get("id_column"),
            at=date.fromisoformat(at) if at else None,
        )


@dataclass(frozen=True)
class InputRow:
    """One data row: its number (1 = the first row after any header), the caller's id, the
    address as given (``q`` or parts), and why it cannot be geocoded (``None`` if it can)."""

    row_no: int
    row_id: str
    input: dict[str, str]
    error: str | None = None

    @property
    def query(self) -> str:
        """The text geocoded: ``q``, or the parts in the written order."""
        return self.input["q"] if "q" in self.input else compose(self.input)


def compose(parts: Mapping[str, str | None]) -> str:
    """Structured parts → the conventional written order (smallest first), as /geocode does.

    >>> compose({"house_number": "12", "street": "Lê Lợi", "province": "Huế"})
    '12 Lê Lợi, Huế'
    """
    head = " ".join(p for p in (parts.get("house_number"), parts.get("street")) if p)
    tail = [parts.get(k) for k in ("commune", "district", "province")]
    return ", ".join(p for p in (head, *tail) if p)


def read_rows(data: bytes, options: BatchOptions) -> list[InputRow]:
    """The rows of ``data``. Raises :class:`BatchInputError` for a file that is not UTF-8,
    has no data row, has more than :data:`MAX_ROWS`, or lacks a column the options name.

    >>> rows = read_rows(b"id,address\\nA1,12 Le Loi, Hue\\nA2,\\n", BatchOptions(
    ...     column="address", id_column="id"))
    >>> [(r.row_no, r.row_id, r.error) for r in rows]
    [(1, 'A1', 'expected 2 fields, got 3'), (2, 'A2', 'empty address')]
    """
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BatchInputError(
            f"the file is not UTF-8 (byte {exc.start})",
            errors=[FieldError(("body",), "not UTF-8")],
        ) from exc
    seen: set[str] = set()  # the fields of the JSON objects
    records = _csv_records(content, options) if options.format == "csv" else _jsonl(content, seen)
    rows: list[InputRow] = []
    for row_no, record in enumerate(records, start=1):
        if row_no > MAX_ROWS:
            raise BatchInputError(
                f"more than {MAX_ROWS:,} rows; split the file",
                errors=[FieldError(("body",), f"at most {MAX_ROWS} rows")],
            )
        rows.append(_row(row_no, record, options))
    if not rows:
        raise BatchInputError(
            "the file has no data rows", errors=[FieldError(("body",), "no data rows")]
        )
    missing = [(what, col) for what, col in options.columns() if col not in seen]
    if options.format == "jsonl" and missing:  # a field no object in the file has
        raise _unknown_columns(missing, sorted(seen))
    return rows


Record = tuple[dict[str, Any], str | None]  # the fields of a row (what could be read), error


def _csv_records(content: str, options: BatchOptions) -> Iterator[Record]:
    lines = io.StringIO(content, newline="")
    first = content.split("\n", 1)[0]
    delimiter = max(",;\t|", key=first.count)
    reader = csv.reader(lines, delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        raise BatchInputError(
            "the file is empty", errors=[FieldError(("body",), "no header, no rows")]
        )
    header = [h.strip() for h in header]
    missing = [(what, col) for what, col in options.columns() if col not in header]
    if missing:
        raise _unknown_columns(missing, header)
    for fields in reader:
        if not fields or fields == [""]:
            continue  # blank line
        if len(fields) != len(header):
            error = f"expected {len(header)} fields, got {len(fields)}"
            yield dict(zip(header, fields, strict=False)), error  # what can be read: the id
            continue
        yield dict(zip(header, fields, strict=True)), None


def _jsonl(content: str, seen: set[str]) -> Iterator[Record]:
    for line in content.splitlines():
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield {}, f"not JSON: {exc.msg} at column {exc.colno}"
            continue
        if isinstance(value, dict):
            seen.update(value)
            yield value, None
        else:
            yield {}, "not a JSON object"


def _unknown_columns(missing: list[tuple[str, str]], known: list[str]) -> BatchInputError:
    names = ", ".join(repr(col) for _, col in missing)
    return BatchInputError(
        f"unknown column(s) {names}; the file has: {', '.join(known) or 'none'}",
        errors=[
            FieldError(("query", _option_name(what)), f"no column {col!r}") for what, col in missing
        ],
    )


def _option_name(what: str) -> str:
    return {"q": "column", "id": "id_column"}.get(what, what)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return ""


def _row(row_no: int, entry: Record, options: BatchOptions) -> InputRow:
    record, error = entry
    row_id = _text(record.get(options.id_column)) if options.id_column else ""
    row_id = row_id or str(row_no)
    if options.column:
        given = {"q": _text(record.get(options.column))}
    else:
        given = {part: _text(record.get(col)) for part, col in options.structured.items()}
        given = {k: v for k, v in given.items() if v}
    return InputRow(row_no, row_id, given, error or _problem(given, record, options))


def _problem(given: dict[str, str], record: dict[str, Any], options: BatchOptions) -> str | None:
    """Why a readable row cannot be geocoded, or None."""
    if options.column and options.column not in record:
        return f"no field {options.column!r}"
    composed = given.get("q") if options.column else compose(given)
    if not composed:
        return "empty address"
    if len(composed) > MAX_QUERY_LENGTH:
        return f"address longer than {MAX_QUERY_LENGTH} characters"
    return None
