"""``/ogc``: OGC API – Features, Part 1 Core, GeoJSON and HTML.

Landing page, ``/conformance``, ``/collections`` (places, streets, buildings,
admin-units), items with ``bbox``, ``limit``, ``offset`` (paging links) and ``datetime``
(valid time, "as of"), and single features. JSON unless a browser asks for HTML (its
``Accept`` header) or ``?f=html``. Coordinates are CRS84 (lon, lat). These documents follow
the OGC standard, not the ``{"items", "next"}`` lists of the rest of the API.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from geo.tiles import VIETNAM_BOUNDS
from registry import admin_units, features
from registry.errors import FieldError, InvalidInput, NotFound
from registry.features import COLLECTIONS, Collection, Feature, When
from web import ogc_html
from web.deps import ReadConn

router = APIRouter(prefix="/ogc", tags=["OGC API – Features"])

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
MAX_LIMIT = 10_000
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
]

Format = Annotated[
    Literal["json", "html"] | None,
    Query(description="json or html; default: JSON, or HTML when a browser asks for it"),
]


def _wants_html(request: Request, f: str | None) -> bool:
    if f is not None:
        return f == "html"
    best_html = best_json = 0.0
    for part in request.headers.get("accept", "").split(","):
        media, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media.strip() == HTML:
            best_html = max(best_html, q)
        elif "json" in media:
            best_json = max(best_json, q)
    return best_html > best_json


def _base(request: Request) -> str:
    return f"{str(request.base_url).rstrip('/')}/ogc"


def _link(href: str, rel: str, media: str, title: str | None = None) -> dict[str, str]:
    link = {"href": href, "rel": rel, "type": media}
    if title:
        link["title"] = title
    return link


def _self_links(request: Request, media: str) -> list[dict[str, str]]:
    """``self`` in the format answered, ``alternate`` in the other."""
    json_url = str(request.url.include_query_params(f="json"))
    html_url = str(request.url.include_query_params(f="html"))
    return [
        _link(json_url, "self", media, "this document"),
        _link(html_url, "alternate", HTML, "this document as HTML"),
    ]


def _answer(
    request: Request, document: dict[str, Any], f: str | None, title: str, media: str = JSON
) -> Response:
    if _wants_html(request, f):
        page = ogc_html.render(
            document,
            title=title,
            root=f"{_base(request)}?f=html",
            json_href=str(request.url.include_query_params(f="json")),
        )
        return HTMLResponse(page)
    headers = {"Content-Crs": f"<{CRS84}>"} if media == GEOJSON else None
    return JSONResponse(document, media_type=media, headers=headers)


@router.get("", summary="Landing page")
def landing(request: Request, f: Format = None) -> Response:
    """The entry point: links to the API definition, conformance and the collections."""
    base = str(request.base_url).rstrip("/")
    document = {
        "title": "diachi — OGC API Features",
        "description": "Sổ địa chỉ số Việt Nam: addressed places, streets, buildings and"
        " administrative units as GeoJSON (CRS84, lon/lat)",
        "links": [
            *_self_links(request, JSON),
            _link(f"{base}/openapi.json", "service-desc", "application/vnd.oai.openapi+json"),
            _link(f"{base}/docs", "service-doc", HTML, "API documentation"),
            _link(f"{_base(request)}/conformance", "conformance", JSON, "conformance classes"),
            _link(f"{_base(request)}/collections", "data", JSON, "collections"),
        ],
    }
    return _answer(request, document, f, "diachi — OGC API Features")


@router.get("/conformance", summary="Conformance classes")
def conformance(request: Request, f: Format = None) -> Response:
    """The conformance classes this API implements."""
    document = {"conformsTo": CONFORMANCE, "links": _self_links(request, JSON)}
    return _answer(request, document, f, "Conformance")


def _collection_document(request: Request, collection: Collection) -> dict[str, Any]:
    url = f"{_base(request)}/collections/{collection.id}"
    extent: dict[str, Any] = {"spatial": {"bbox": [list(VIETNAM_BOUNDS)], "crs": CRS84}}
    if collection.temporal:
        extent["temporal"] = {
            "interval": [[None, None]],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        }
    return {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "itemType": "feature",
        "crs": [CRS84],
        "extent": extent,
        "links": [
            _link(f"{url}?f=json", "self", JSON, collection.title),
            _link(f"{url}?f=html", "alternate", HTML, collection.title),
            _link(f"{url}/items?f=json", "items", GEOJSON, "features"),
            _link(f"{url}/items?f=html", "items", HTML, "features"),
        ],
    }


def _known(collection_id: str) -> Collection:
    collection = COLLECTIONS.get(collection_id)
    if collection is None:
        raise NotFound(f"no collection '{collection_id}'; see /ogc/collections")
    return collection


@router.get("/collections", summary="Collections")
def collections(request: Request, f: Format = None) -> Response:
    """The feature collections."""
    document = {
        "links": _self_links(request, JSON),
        "collections": [_collection_document(request, c) for c in COLLECTIONS.values()],
    }
    return _answer(request, document, f, "Collections")


@router.get("/collections/{collection_id}", summary="One collection")
def collection(request: Request, collection_id: str, f: Format = None) -> Response:
    """A collection: its extent, CRS and the link to its features."""
    found = _known(collection_id)
    return _answer(request, _collection_document(request, found), f, found.title)


def _bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if text is None:
        return None
    bad = InvalidInput(
        f"bbox '{text}' is not minlon,minlat,maxlon,maxlat in degrees",
        errors=[FieldError(("query", "bbox"), "expected 4 numbers: minlon,minlat,maxlon,maxlat")],
    )
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise bad from None
    if len(values) != 4:
        raise bad
    minx, miny, maxx, maxy = values
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise bad
    if minx > maxx:  # across the antimeridian: never Vietnam
        raise bad
    return (minx, miny, maxx, maxy)


def _instant(text: str) -> date | None:
    text = text.strip()
    if text in ("", ".."):
        return None
    if len(text) == 10:
        return date.fromisoformat(text)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(admin_units.VIETNAM_TZ).date()


def _when(text: str | None) -> When:
    if text is None:
        today = admin_units.today()
        return When(today, today)
    try:
        if "/" in text:
            start, _, end = text.partition("/")
            when = When(_instant(start), _instant(end))
        else:
            day = _instant(text)
            if day is None:
                raise ValueError("open instant")
            when = When(day, day)
    except ValueError:
        raise InvalidInput(
            f"datetime '{text}' is not an RFC 3339 date, date-time or interval",
            errors=[FieldError(("query", "datetime"), "e.g. 2025-06-30 or 2024-01-01/..")],
        ) from None
    if when.start and when.end and when.start > when.end:
        raise InvalidInput(
            f"datetime '{text}' ends before it starts",
            errors=[FieldError(("query", "datetime"), "start after end")],
        )
    return when


def _feature_document(request: Request, collection: Collection, f: Feature) -> dict[str, Any]:
    url = f"{_base(request)}/collections/{collection.id}/items/{f.id}"
    return {
        "type": "Feature",
        "id": f.id,
        "geometry": f.geometry,
        "properties": f.properties,
        "links": [
            _link(f"{url}?f=json", "self", GEOJSON),
            _link(f"{url}?f=html", "alternate", HTML),
            _link(f"{_base(request)}/collections/{collection.id}", "collection", JSON),
        ],
    }


@router.get("/collections/{collection_id}/items", summary="Features")
def items(
    request: Request,
    conn: ReadConn,
    collection_id: str,
    bbox: Annotated[
        str | None,
        Query(
            description="minlon,minlat,maxlon,maxlat (CRS84)", examples=["106.68,10.78,106.7,10.8"]
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, description=f"Features per page (at most {MAX_LIMIT})")] = 10,
    offset: Annotated[int, Query(ge=0, description="Features to skip (paging)")] = 0,
    datetime_: Annotated[
        str | None,
        Query(
            alias="datetime",
            description="Valid on this date (RFC 3339 date or date-time, Asia/Ho_Chi_Minh), or"
            " in an interval `start/end` (`..` open); default today. Places and admin units",
        ),
    ] = None,
    f: Format = None,
) -> Response:
    """Features of a collection as a GeoJSON FeatureCollection, with ``next``/``prev``
    links. A limit above the maximum is lowered to it."""
    found = _known(collection_id)
    page = min(limit, MAX_LIMIT)
    rows = features.features(
        conn,
        found.id,
        bbox=_bbox(bbox),
        when=_when(datetime_),
        limit=page + 1,
        offset=offset,
    )
    links = [
        *_self_links(request, GEOJSON),
        _link(f"{_base(request)}/collections/{found.id}", "collection", JSON, found.title),
    ]
    if len(rows) > page:
        nxt = request.url.include_query_params(offset=offset + page, limit=page)
        links.append(_link(str(nxt), "next", GEOJSON, "next page"))
    if offset > 0:
        prev = request.url.include_query_params(offset=max(0, offset - page), limit=page)
        links.append(_link(str(prev), "prev", GEOJSON, "previous page"))
    document = {
        "type": "FeatureCollection",
        "features": [_feature_document(request, found, r) for r in rows[:page]],
        "numberReturned": min(len(rows), page),
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "links": links,
    }
    return _answer(request, document, f, found.title, GEOJSON)


@router.get("/collections/{collection_id}/items/{feature_id}", summary="One feature")
def item(
    request: Request,
    conn: ReadConn,
    collection_id: str,
    feature_id: str,
    datetime_: Annotated[str | None, Query(alias="datetime")] = None,
    f: Format = None,
) -> Response:
    """One feature: a place by its code, an admin unit by its code (the version in force on
    ``datetime``), a street or building by its number."""
    found = _known(collection_id)
    row = features.feature(conn, found.id, feature_id, _when(datetime_))
    document = _feature_document(request, found, row)
    return _answer(request, document, f, f"{found.title}: {row.id}", GEOJSON)
