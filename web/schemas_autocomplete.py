"""Response model of ``/autocomplete``."""

from __future__ import annotations

from pydantic import BaseModel, Field

from geo.geocode.autocomplete import Suggestion


class SuggestionOut(BaseModel):
    """One suggestion while typing."""

    kind: str = Field(description="place | street | admin")
    id: int = Field(description="the place, the street (one of its ways) or the unit version")
    label: str = Field(description="what to show: house number and street, or the name")
    context: str = Field(description="where: hamlet, commune, province")
    code: str | None = Field(description="the place's digital address code")
    unit_code: str | None = Field(description="the unit's GSO code")
    lon: float | None
    lat: float | None
    distance_m: float | None = Field(description="from near, in metres")
    match: str = Field(description="prefix | corrected (a typo mended) | similar (trigrams)")

    @classmethod
    def of(cls, s: Suggestion) -> SuggestionOut:
        return cls(
            kind=s.kind,
            id=s.id,
            label=s.label,
            context=s.context,
            code=s.code,
            unit_code=s.unit_code,
            lon=round(s.lon, 7) if s.lon is not None else None,
            lat=round(s.lat, 7) if s.lat is not None else None,
            distance_m=s.distance_m,
            match=s.match,
        )


class AutocompleteOut(BaseModel):
    query: str
    items: list[SuggestionOut] = Field(description="best first")
    attribution: str = "Bản đồ nền © OpenStreetMap contributors (ODbL 1.0)"
