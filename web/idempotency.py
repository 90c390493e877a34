"""``Idempotency-Key`` on POST and PATCH: the one helper write routes call.

    @router.post("/places", status_code=201)
    def propose(request: Request, body: PlaceIn, principal: FieldKey) -> Response:
        def work(conn: Connection) -> JSONResponse:
            place = places.propose(conn, principal, body.to_domain())
            return JSONResponse(PlaceOut.of(place).model_dump(mode="json"), status_code=201)

        return run_write(request, principal, body, work)

Without the header the work simply runs in one transaction. With it, the
rules of :mod:`registry.idempotency` apply: the same key and body answer the
first response again (with ``Idempotent-Replayed: true``) and write nothing;
a different body is 422 ``idempotency-key-reused``; a retry while the first
request runs is 409 ``request-in-progress``. Keys belong to the API key that
sent them. The response is recorded in the transaction of the write itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import Request, Response
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel
from sqlalchemy import Connection

from registry import idempotency
from registry.access import Principal
from registry.database import Database
from registry.errors import DiachiError, FieldError, InvalidInput, RequestInProgress
from web.deps import get_database
from web.errors import domain_problem

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
NOT_RECORDED = frozenset({"content-length"})  # recomputed when the response is sent again
log = logging.getLogger("diachi.web")


class _ClaimLost(Exception):
    """The claim was taken over by a retry while this request ran (its write rolls back)."""

    def __init__(self, error: RequestInProgress) -> None:
        super().__init__(error.detail)
        self.error = error


def idempotency_key(request: Request) -> str | None:
    """The request's ``Idempotency-Key``, ``None`` without one.

    Accepts a bare key and the draft's quoted structured-field string
    (``"8e03978e-…"``, the same key as ``8e03978e-…``; a quoted string with
    escapes is taken verbatim, quotes included). Raises
    :class:`InvalidInput` unless it is 1–255 visible ASCII characters, or when
    the header is repeated.
    """
    values = request.headers.getlist(HEADER)
    if not values:
        return None
    key = values[0].strip()
    if len(key) >= 2 and key[0] == key[-1] == '"' and not set(key[1:-1]) & {'"', "\\"}:
        key = key[1:-1]
    if len(values) > 1 or not 1 <= len(key) <= MAX_KEY_LENGTH or not _visible_ascii(key):
        raise InvalidInput(
            f"{HEADER} must be one header of 1–{MAX_KEY_LENGTH} visible ASCII characters",
            errors=[FieldError(("header", HEADER), "1–255 visible ASCII characters, once")],
        )
    return key


def _visible_ascii(key: str) -> bool:
    return all("!" <= c <= "~" for c in key)


def request_body_bytes(body: Any) -> bytes:
    """The bytes that stand for a request body in its fingerprint.

    ``bytes`` are taken as they are (canonicalised later if they are JSON); a
    pydantic model is dumped in JSON mode with its defaults, so two bodies that
    parse to the same model are the same request; anything else goes through
    ``jsonable_encoder``.
    """
    if isinstance(body, bytes):
        return body
    value = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
    return idempotency.canonical_json(jsonable_encoder(value))


def run_write(
    request: Request,
    principal: Principal,
    body: Any,
    work: Callable[[Connection], Response],
) -> Response:
    """Run ``work`` in one transaction, exactly once per ``Idempotency-Key``.

    ``body`` is what the route received: its parsed model, any JSON-able value,
    or the raw bytes; its canonical JSON, the method and the path with its query
    string make the request's fingerprint. ``work`` must return a fully rendered
    response (a ``JSONResponse``, not a streaming one).

    A :class:`DiachiError` from ``work`` rolls its transaction back and is
    answered (and recorded) as problem+json; any other exception rolls back,
    releases the key so a retry can run, and propagates (500 or 503).
    """
    database = get_database(request)
    key = idempotency_key(request)
    if key is None:
        with database.transaction() as conn:
            return work(conn)
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    fingerprint = idempotency.request_fingerprint(request.method, path, request_body_bytes(body))
    claim = idempotency.claim(
        database, principal.key_id, key, fingerprint, request.method, request.url.path
    )
    if isinstance(claim, idempotency.StoredResponse):
        return _replay(claim)
    try:
        with database.transaction() as conn:
            response = work(conn)
            _complete(conn, claim, response)
    except _ClaimLost as lost:
        return domain_problem(lost.error, request.url.path)
    except DiachiError as exc:
        response = domain_problem(exc, request.url.path)
        try:
            with database.transaction() as conn:
                _complete(conn, claim, response)
        except _ClaimLost:
            pass  # a retry owns the key now and will record its own answer
    except BaseException:
        _release(database, claim)
        raise
    return response


def _complete(conn: Connection, claim: idempotency.Claim, response: Response) -> None:
    headers = [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, value in response.raw_headers
        if name.decode("latin-1").lower() not in NOT_RECORDED
    ]
    try:
        idempotency.complete(conn, claim, response.status_code, bytes(response.body), headers)
    except RequestInProgress as exc:
        raise _ClaimLost(exc) from exc


def _release(database: Database, claim: idempotency.Claim) -> None:
    try:
        idempotency.release(database, claim)
    except Exception:  # the original error matters more; the claim goes stale in a minute
        log.exception("could not release Idempotency-Key %r", claim.key)


def _replay(stored: idempotency.StoredResponse) -> Response:
    response = Response(content=stored.body, status_code=stored.status)
    for name, value in stored.headers:
        response.headers.append(name, value)
    response.headers[REPLAYED] = "true"
    return response
