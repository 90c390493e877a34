"""Who is calling: the API key of a request, as FastAPI dependencies.

The key comes in ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``. A
missing key is fine for public reads; a key that is present but malformed,
unknown or revoked is 401 everywhere; a valid key without the scope an
operation needs is 403 (both problem+json, from ``registry.access.require``).

    @router.post("/places")
    def propose(request: Request, body: PlaceIn, principal: FieldKey) -> Response: ...

    @router.get("/places/{id}")
    def show(conn: ReadConn, principal: OptionalPrincipal) -> PlaceOut: ...
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from registry.access import SCOPES, Principal, authenticate, require
from registry.errors import Unauthenticated
from web.deps import get_database

# Declared for OpenAPI (the "Authorize" button); the headers are parsed in api_key().
_bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer dc_…`")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key, alternatively")


def api_key(
    request: Request,
    _bearer_doc: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    _header_doc: Annotated[str | None, Security(_header)],
) -> str | None:
    """The API key the request presents, or ``None`` when it presents none.

    Raises :class:`Unauthenticated` for an ``Authorization`` header that is not
    ``Bearer <key>`` and for two different keys in the two headers.
    """
    authorization = request.headers.get("authorization")
    header_key = request.headers.get("x-api-key")
    bearer_key = None
    if authorization is not None:
        scheme, _, credentials = authorization.strip().partition(" ")
        bearer_key = credentials.strip()
        if scheme.lower() != "bearer" or not bearer_key:
            raise Unauthenticated("the Authorization header must be 'Bearer <API key>'")
    if bearer_key is not None and header_key is not None and header_key.strip() != bearer_key:
        raise Unauthenticated("Authorization and X-API-Key carry different keys")
    return bearer_key if bearer_key is not None else header_key


def optional_principal(
    request: Request, token: Annotated[str | None, Depends(api_key)]
) -> Principal | None:
    """The caller's principal, ``None`` without a key; :class:`Unauthenticated` for a bad key.

    The lookup runs in a short read transaction of its own.
    """
    if token is None:
        return None
    with get_database(request).read() as conn:
        principal = authenticate(conn, token.strip())
    if principal is None:
        raise Unauthenticated("unknown or revoked API key")
    return principal


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


def requires(scope: str) -> Callable[[Principal | None], Principal]:
    """A dependency giving the caller's principal if its key grants ``scope``.

    The dependency raises :class:`Unauthenticated` (401) without a valid key and
    :class:`Forbidden` (403) without the scope. ``requires`` itself raises
    :class:`ValueError` for an unknown scope, when the route is declared.
    """
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}; known: {sorted(SCOPES)}")

    def dependency(principal: OptionalPrincipal) -> Principal:
        return require(principal, scope)

    dependency.__name__ = f"requires_{scope.replace('-', '_')}"
    return dependency


FieldKey = Annotated[Principal, Depends(requires("field"))]
ReviewKey = Annotated[Principal, Depends(requires("review"))]
AdminKey = Annotated[Principal, Depends(requires("admin"))]
PrivateReadKey = Annotated[Principal, Depends(requires("private-read"))]
