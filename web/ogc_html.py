"""The HTML face of the OGC API documents: the same JSON, as links and tables for a browser
(no scripts, no external assets)."""

from __future__ import annotations

import json
from functools import cache
from html import escape
from importlib import resources
from string import Template
from typing import Any


@cache
def _template() -> Template:
    text = resources.files("web.templates").joinpath("ogc.html").read_text(encoding="utf-8")
    return Template(text)


def _links(links: list[dict[str, Any]]) -> str:
    rows = "".join(
        f"<tr><td>{escape(str(link.get('rel', '')))}</td>"
        f"<td><a href='{escape(link['href'])}'>{escape(link.get('title') or link['href'])}</a>"
        f"</td><td><code>{escape(str(link.get('type', '')))}</code></td></tr>"
        for link in links
    )
    return f"<h2>Links</h2><table><tr><th>rel</th><th>link</th><th>type</th></tr>{rows}</table>"


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(row.get(c))}</td>" for c in columns) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _cell(value: Any) -> str:
    if isinstance(value, dict) and "href" in value:
        return f"<a href='{escape(value['href'])}'>{escape(str(value.get('title', '')))}</a>"
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return f"<code>{escape(json.dumps(value, ensure_ascii=False)[:200])}</code>"
    return escape(str(value))


def _href(links: list[dict[str, Any]], rel: str, kind: str = "") -> str | None:
    for link in links:
        if link.get("rel") == rel and kind in str(link.get("type", "")):
            return str(link["href"])
    return None


def render(document: dict[str, Any], *, title: str, root: str, json_href: str) -> str:
    """A page for ``document`` (landing page, conformance, collections, collection,
    features or feature)."""
    parts: list[str] = []
    if "conformsTo" in document:
        parts.append(_table([{"class": c} for c in document["conformsTo"]], ["class"]))
    if "collections" in document:
        rows = [
            {
                "collection": {"href": _href(c["links"], "alternate", "html"), "title": c["id"]},
                "title": c["title"],
                "description": c.get("description"),
                "features": {"href": _href(c["links"], "items", "html"), "title": "items"},
            }
            for c in document["collections"]
        ]
        parts.append(_table(rows, ["collection", "title", "description", "features"]))
    if document.get("type") == "FeatureCollection":
        features = document["features"]
        columns = ["id", *sorted({k for f in features for k in f["properties"]})]
        rows = []
        for f in features:
            link = _href(f.get("links", []), "alternate", "html") or ""
            rows.append({"id": {"href": link, "title": f["id"]}, **f["properties"]})
        parts.append(f"<p>{document['numberReturned']} features</p>")
        parts.append(_table(rows, columns))
    if document.get("type") == "Feature":
        props = [{"property": k, "value": v} for k, v in document["properties"].items()]
        props.append({"property": "geometry", "value": document.get("geometry")})
        parts.append(_table(props, ["property", "value"]))
    if "extent" in document:
        parts.append(_table([{"extent": document["extent"]}], ["extent"]))
    parts.append(_links(document.get("links", [])))
    return _template().substitute(
        title=escape(title),
        description=escape(str(document.get("description", ""))),
        root=escape(root),
        json=escape(json_href),
        body="\n".join(parts),
    )
