"""Response models of the geocoding endpoints."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from geo.geocode.forward import Candidate, GeocodeResult
from geo.geocode.reverse import ReverseResult, StreetHit
from web.schemas_admin import AdminUnitOut
from web.schemas_places import NearbyOut, PlaceOut


class StreetOut(BaseModel):
    id: int
    name: str
    highway: str
    distance_m: float

    @classmethod
    def of(cls, s: StreetHit) -> StreetOut:
        return cls(id=s.id, name=s.name, highway=s.highway, distance_m=s.distance_m)


class ReverseOut(BaseModel):
    """Nearest active places, nearest street and the units containing the point."""

    at: date
    lon: float
    lat: float
    items: list[NearbyOut] = Field(description="nearest first")
    street: StreetOut | None
    commune: AdminUnitOut | None
    province: AdminUnitOut | None
    attribution: str = "Bản đồ nền © OpenStreetMap contributors (ODbL 1.0)"

    @classmethod
    def of(cls, r: ReverseResult, lon: float, lat: float) -> ReverseOut:
        loc = r.location
        return cls(
            at=loc.at,
            lon=lon,
            lat=lat,
            items=[
                NearbyOut(**PlaceOut.of(v).model_dump(), distance_m=round(d, 2))
                for v, d in r.places
            ],
            street=StreetOut.of(r.street) if r.street else None,
            commune=AdminUnitOut.of(loc.commune) if loc.commune else None,
            province=AdminUnitOut.of(loc.province) if loc.province else None,
        )


class RefOut(BaseModel):
    code: str
    name: str


class CandidateOut(BaseModel):
    """One geocoding answer."""

    level: str = Field(description="place | street | commune | province")
    code: str | None = Field(description="the place's digital address code, when a place matched")
    lon: float
    lat: float
    confidence: float = Field(ge=0, le=1)
    category: str = Field(
        description="A: same address; B: small explained differences; C: uncertain"
    )
    address: str = Field(description="normalised, in 2025 unit names")
    commune: RefOut | None
    province: RefOut | None
    old_units: list[RefOut] = Field(description="pre-2025 units the input named")
    explain: list[str]

    @classmethod
    def of(cls, c: Candidate) -> CandidateOut:
        return cls(
            level=c.level,
            code=c.code,
            lon=round(c.lon, 7),
            lat=round(c.lat, 7),
            confidence=round(c.confidence, 3),
            category=c.category,
            address=c.address,
            commune=RefOut(code=c.commune.code, name=c.commune.name) if c.commune else None,
            province=RefOut(code=c.province.code, name=c.province.name) if c.province else None,
            old_units=[RefOut(code=u.code, name=u.name) for u in c.old_units],
            explain=c.explain,
        )


class GeocodeOut(BaseModel):
    query: str
    ambiguous: bool = Field(description="several communes fit and nothing decided between them")
    candidates: list[CandidateOut]
    attribution: str = "Bản đồ nền © OpenStreetMap contributors (ODbL 1.0)"

    @classmethod
    def of(cls, r: GeocodeResult) -> GeocodeOut:
        return cls(
            query=r.query,
            ambiguous=r.ambiguous,
            candidates=[CandidateOut.of(c) for c in r.candidates],
        )
