"""Request and response models of the place, change-feed and code-lease endpoints."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from registry.changes import FeedEntry
from registry.issuance import Lease
from registry.places import Facts, Lineage, PlaceVersion, PlaceView

Kind = Literal["building", "entrance", "unit"]
UnitKind = Literal["flat", "room", "kiosk", "office"]
PhysicalState = Literal["planned", "under_construction", "in_use", "vacant", "demolished"]
LocationMethod = Literal["gnss", "imagery", "geocoded", "imported"]


class LocationIn(BaseModel):
    lon: float = Field(ge=-180, le=180, description="EPSG:4326 degrees", examples=[106.68957])
    lat: float = Field(ge=-90, le=90, description="EPSG:4326 degrees", examples=[10.784813])
    accuracy_m: float | None = Field(default=None, ge=0, le=10_000, description="metres")
    method: LocationMethod = "gnss"


class ParcelIn(BaseModel):
    sheet: str | None = Field(default=None, max_length=20, description="tờ bản đồ số")
    number: str | None = Field(default=None, max_length=20, description="thửa đất số")


class PlaceFactsIn(BaseModel):
    """The facts of a place as a field team records them."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "building",
                    "house_number": "12/3A",
                    "street": "Võ Văn Tần",
                    "hamlet": "Khu phố 2",
                    "location": {"lon": 106.68957, "lat": 10.784813, "accuracy_m": 4},
                    "physical_state": "in_use",
                    "source": "khảo sát thực địa / field survey",
                }
            ]
        },
    )

    kind: Kind
    unit_kind: UnitKind | None = None
    parent: int | None = Field(default=None, description="id of the building or entrance")
    house_number: str | None = Field(default=None, max_length=100, examples=["12/3A"])
    street: str | None = Field(default=None, max_length=200, examples=["Võ Văn Tần"])
    street_id: int | None = None
    hamlet: str | None = Field(default=None, max_length=200, examples=["Tổ dân phố 5"])
    location: LocationIn
    physical_state: PhysicalState = "in_use"
    postcode: str | None = Field(default=None, pattern=r"^\d{5,6}$")
    vnpost_code: str | None = Field(default=None, max_length=40)
    parcel: ParcelIn | None = None
    osm_id: str | None = Field(default=None, pattern=r"^[nwr]\d+$", examples=["w123456"])
    source: str = Field(min_length=1, max_length=200)
    collected_by: str | None = Field(default=None, max_length=200)
    collected_at: datetime | None = None

    def facts(self) -> Facts:
        return Facts(
            kind=self.kind,
            lon=self.location.lon,
            lat=self.location.lat,
            location_method=self.location.method,
            accuracy_m=self.location.accuracy_m,
            source=self.source,
            house_number=self.house_number,
            street_name=self.street,
            street_id=self.street_id,
            hamlet=self.hamlet,
            unit_kind=self.unit_kind,
            parent_place_id=self.parent,
            physical_state=self.physical_state,
            postcode=self.postcode,
            vnpost_code=self.vnpost_code,
            parcel_sheet=self.parcel.sheet if self.parcel else None,
            parcel_number=self.parcel.number if self.parcel else None,
            osm_id=self.osm_id,
            collected_by=self.collected_by,
            collected_at=self.collected_at,
        )


class ProposeIn(PlaceFactsIn):
    valid_from: date | None = Field(default=None, description="default today (Asia/Ho_Chi_Minh)")
    reason: str | None = Field(default=None, max_length=500)


class ApproveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    valid_from: date | None = None
    leased_code: str | None = Field(default=None, description="a code leased to the device")
    reason: str | None = Field(default=None, max_length=500)


class PatchIn(BaseModel):
    """Changed facts only; effective from ``valid_from`` (default today)."""

    model_config = ConfigDict(extra="forbid")
    house_number: str | None = Field(default=None, max_length=100)
    street: str | None = Field(default=None, max_length=200)
    street_id: int | None = None
    hamlet: str | None = Field(default=None, max_length=200)
    location: LocationIn | None = None
    physical_state: PhysicalState | None = None
    unit_kind: UnitKind | None = None
    postcode: str | None = Field(default=None, pattern=r"^\d{5,6}$")
    vnpost_code: str | None = Field(default=None, max_length=40)
    parcel: ParcelIn | None = None
    osm_id: str | None = Field(default=None, pattern=r"^[nwr]\d+$")
    valid_from: date | None = None
    reason: str | None = Field(default=None, max_length=500)

    def changes(self) -> dict[str, Any]:
        """The facts to change, as place_version columns."""
        given = self.model_dump(exclude_unset=True, exclude={"valid_from", "reason"})
        out: dict[str, Any] = {}
        renames = {"street": "street_name"}
        for key, value in given.items():
            if key == "location" and self.location is not None:
                out.update(
                    lon=self.location.lon,
                    lat=self.location.lat,
                    accuracy_m=self.location.accuracy_m,
                    location_method=self.location.method,
                )
            elif key == "parcel" and self.parcel is not None:
                out.update(parcel_sheet=self.parcel.sheet, parcel_number=self.parcel.number)
            else:
                out[renames.get(key, key)] = value
        return out


class RetireIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500, examples=["nhà bị phá dỡ / demolished"])
    successors: list[str] = Field(default_factory=list, description="codes of successor places")
    valid_from: date | None = None


class WithdrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(default=None, max_length=500)
    valid_from: date | None = None


class MergeIn(BaseModel):
    """``survivor`` set: duplicates (the survivor keeps its code). Else a physical merge:
    ``place`` describes the merged place, which gets a new code."""

    model_config = ConfigDict(extra="forbid")
    codes: list[str] = Field(min_length=2, max_length=100)
    survivor: str | None = None
    place: PlaceFactsIn | None = None
    reason: str = Field(min_length=1, max_length=500)
    valid_from: date | None = None


class SplitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    parts: list[PlaceFactsIn] = Field(min_length=2, max_length=1000)
    reason: str = Field(min_length=1, max_length=500)
    valid_from: date | None = None


class AdminRefOut(BaseModel):
    code: str
    name: str


class LineageOut(BaseModel):
    code: str | None
    kind: str

    @classmethod
    def of(cls, link: Lineage) -> LineageOut:
        return cls(code=str(link.code) if link.code else None, kind=link.kind)


class PlaceOut(BaseModel):
    """A place version in public form: no personal data."""

    id: int = Field(description="internal id; the handle of a proposal before it has a code")
    code: str | None = Field(description="grouped 12-digit code", examples=["7123 4567 8943"])
    status: str
    kind: str
    unit_kind: str | None
    parent: int | None
    house_number: str | None
    house_number_parts: dict[str, Any] | None
    street: str | None
    street_id: int | None
    hamlet: str | None
    lon: float
    lat: float
    accuracy_m: float | None
    location_method: str
    physical_state: str
    commune: AdminRefOut | None
    province: AdminRefOut | None
    postcode: str | None
    vnpost_code: str | None
    parcel: dict[str, str | None]
    osm_id: str | None
    plus_code: str | None
    source: str
    valid_from: date
    valid_to: date | None
    recorded_from: datetime
    recorded_to: datetime | None
    version: int
    change: str
    retire_reason: str | None
    successors: list[LineageOut] = []
    predecessors: list[LineageOut] = []

    @classmethod
    def of(cls, v: PlaceVersion, view: PlaceView | None = None) -> PlaceOut:
        return cls(
            id=v.place_id,
            code=str(v.code) if v.code else None,
            status=v.status,
            kind=v.kind,
            unit_kind=v.unit_kind,
            parent=v.parent_place_id,
            house_number=v.house_number,
            house_number_parts=v.house_number_parts,
            street=v.street_name,
            street_id=v.street_id,
            hamlet=v.hamlet,
            lon=round(v.lon, 7),
            lat=round(v.lat, 7),
            accuracy_m=v.accuracy_m,
            location_method=v.location_method,
            physical_state=v.physical_state,
            commune=AdminRefOut(code=v.commune.code, name=v.commune.name) if v.commune else None,
            province=AdminRefOut(code=v.province.code, name=v.province.name)
            if v.province
            else None,
            postcode=v.postcode,
            vnpost_code=v.vnpost_code,
            parcel={"sheet": v.parcel_sheet, "number": v.parcel_number},
            osm_id=v.osm_id,
            plus_code=v.plus_code,
            source=v.source,
            valid_from=v.valid_from,
            valid_to=v.valid_to,
            recorded_from=v.recorded_from,
            recorded_to=v.recorded_to,
            version=v.id,
            change=v.change,
            retire_reason=v.retire_reason,
            successors=[LineageOut.of(s) for s in view.successors] if view else [],
            predecessors=[LineageOut.of(p) for p in view.predecessors] if view else [],
        )


class NearbyOut(PlaceOut):
    distance_m: float


class HistoryEntryOut(BaseModel):
    version: PlaceOut
    organisation: str
    person: str | None = Field(description="shown to review keys only")
    reason: str | None
    tx: int


class ChangeOut(BaseModel):
    cursor: str
    seq: int
    at: datetime
    organisation: str
    source: str
    reason: str | None
    change: str
    place: PlaceOut

    @classmethod
    def of(cls, entry: FeedEntry, version: PlaceVersion) -> ChangeOut:
        return cls(
            cursor=entry.cursor,
            seq=entry.seq,
            at=entry.at,
            organisation=entry.organisation,
            source=entry.source,
            reason=entry.reason,
            change=entry.change,
            place=PlaceOut.of(version),
        )


class ChangesPage(BaseModel):
    items: list[ChangeOut]
    next: str = Field(description="cursor to pass as 'after' for the following page")


class LeaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    device: str = Field(min_length=1, max_length=200, examples=["kobo-ward-27139-01"])
    count: int = Field(ge=1, le=10_000, examples=[200])
    lon: float = Field(ge=-180, le=180, description="where the device will work")
    lat: float = Field(ge=-90, le=90)
    hours: int = Field(default=72, ge=1, le=24 * 90)


class LeaseOut(BaseModel):
    id: int
    device: str
    zone: int
    created_at: datetime
    expires_at: datetime
    released_at: datetime | None
    codes: list[dict[str, str]]

    @classmethod
    def of(cls, lease: Lease) -> LeaseOut:
        return cls(
            id=lease.id,
            device=lease.device,
            zone=lease.zone,
            created_at=lease.created_at,
            expires_at=lease.expires_at,
            released_at=lease.released_at,
            codes=[{"code": str(c), "status": s} for c, s in lease.codes],
        )
