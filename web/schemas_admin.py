"""Response models of the administrative-unit endpoints."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from registry.admin_units import AdminUnit, Location, SearchHit, Succession, UnitDetail


class Version(BaseModel):
    """Which version of the unit this is: its id and half-open validity."""

    id: int
    valid_from: date | None = Field(description="first day in force; null = before records")
    valid_to: date | None = Field(description="first day no longer in force; null = in force")
    valid_from_known: bool = Field(description="false when the source gives no date for the change")


class AdminUnitOut(BaseModel):
    code: str = Field(examples=["27139"])
    level: Literal["province", "district", "commune"]
    name: str = Field(examples=["Phường Xuân Hòa"])
    unit_type: str = Field(examples=["Phường"])
    parent_code: str | None = Field(examples=["79"])
    version: Version
    source: str
    has_boundary: bool

    @classmethod
    def of(cls, unit: AdminUnit) -> AdminUnitOut:
        return cls(
            code=unit.code,
            level=unit.level,
            name=unit.name,
            unit_type=unit.unit_type,
            parent_code=unit.parent_code,
            version=Version(
                id=unit.version_id,
                valid_from=unit.valid_from,
                valid_to=unit.valid_to,
                valid_from_known=unit.valid_from_known,
            ),
            source=unit.source,
            has_boundary=unit.has_boundary,
        )


class MatchOut(BaseModel):
    """What a search matched: the official name or a former name (``kind``)."""

    name: str
    kind: str = Field(description="'name' for the official name, else the kind of former name")
    old: bool = Field(description="true when the match is a former name or a unit not in force")


class SearchItemOut(AdminUnitOut):
    in_force: bool
    match: MatchOut

    @classmethod
    def of_hit(cls, hit: SearchHit) -> SearchItemOut:
        base = AdminUnitOut.of(hit.unit).model_dump()
        old = hit.matched_kind != "name" or not hit.in_force
        return cls(
            **base,
            in_force=hit.in_force,
            match=MatchOut(name=hit.matched_name, kind=hit.matched_kind, old=old),
        )


class SuccessionOut(BaseModel):
    unit: AdminUnitOut
    whole: bool = Field(description="true: the whole unit; false: part of it")

    @classmethod
    def of(cls, s: Succession) -> SuccessionOut:
        return cls(unit=AdminUnitOut.of(s.unit), whole=s.whole)


class AliasOut(BaseModel):
    name: str
    kind: str


class AdminUnitDetailOut(AdminUnitOut):
    parents: list[AdminUnitOut] = Field(description="parent chain, nearest first")
    successors: list[SuccessionOut]
    predecessors: list[SuccessionOut]
    former_names: list[AliasOut]

    @classmethod
    def of_detail(cls, d: UnitDetail) -> AdminUnitDetailOut:
        return cls(
            **AdminUnitOut.of(d.unit).model_dump(),
            parents=[AdminUnitOut.of(p) for p in d.parents],
            successors=[SuccessionOut.of(s) for s in d.successors],
            predecessors=[SuccessionOut.of(s) for s in d.predecessors],
            former_names=[AliasOut(name=n, kind=k) for n, k in d.aliases],
        )


class OldCommuneOut(BaseModel):
    unit: AdminUnitOut
    whole: bool = Field(description="the old commune went whole (true) or in part into the new one")
    in_district_polygon: bool | None = Field(
        description="its district's ~2023 polygon contains the point (null: no polygon)"
    )


class LocationOut(BaseModel):
    """The units containing a point on a date; ``exact`` says which come from polygons."""

    at: date
    lon: float
    lat: float
    commune: AdminUnitOut | None
    district: AdminUnitOut | None
    province: AdminUnitOut | None
    exact: dict[str, bool]
    old_commune_candidates: list[OldCommuneOut]
    district_candidates: list[AdminUnitOut]
    notes: list[str]

    @classmethod
    def of(cls, loc: Location, lon: float, lat: float) -> LocationOut:
        def opt(u: AdminUnit | None) -> AdminUnitOut | None:
            return None if u is None else AdminUnitOut.of(u)

        return cls(
            at=loc.at,
            lon=lon,
            lat=lat,
            commune=opt(loc.commune),
            district=opt(loc.district),
            province=opt(loc.province),
            exact=loc.exact,
            old_commune_candidates=[
                OldCommuneOut(
                    unit=AdminUnitOut.of(c.unit),
                    whole=c.whole,
                    in_district_polygon=c.in_district_polygon,
                )
                for c in loc.old_commune_candidates
            ],
            district_candidates=[AdminUnitOut.of(d) for d in loc.district_candidates],
            notes=loc.notes,
        )


class FeatureOut(BaseModel):
    """A GeoJSON Feature (RFC 7946): geometry in EPSG:4326, (lon, lat)."""

    type: Literal["Feature"] = "Feature"
    id: str
    geometry: dict[str, Any]
    properties: dict[str, Any]
