"""County reference data: areas (县 → 乡镇/街道 → 村/社区 → 网格), units, demo staff,
API clients, roads and named places (estates, markets, schools…), shipped as package data.

The demo county 青山县 (331199) lives in ``refdata/qingshan/``; it is produced by
``scripts/generate_demo_county.py`` (do not edit the files by hand).

    from pingan_common.refdata import load_county
    county = load_county()
    county.area("33119900100101").name          # '城关街道幸福社区第1网格'
    [a.code for a in county.area_path("33119900100101")]

Area scoping in the platform is prefix-based: a user with area_code C may see every
record whose area code starts with C.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from functools import cached_property, lru_cache
from importlib import resources
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from pingan_common.events.values import CategoryGroup, Channel

__all__ = [
    "CATEGORY_GROUPS",
    "CHANNELS",
    "ROLES",
    "UNIT_KINDS",
    "ApiClient",
    "Area",
    "AreaLevel",
    "CategoryGroup",
    "Channel",
    "CountyData",
    "Grid",
    "Place",
    "PlaceKind",
    "Road",
    "Role",
    "StaffMember",
    "Unit",
    "UnitKind",
    "level_of_code",
    "load_county",
]

AreaLevel = Literal["county", "township", "village", "grid"]
PlaceKind = Literal["estate", "market", "school", "hospital", "factory", "construction_site"]
Role = Literal[
    "operator", "dispatcher", "handler", "grid_worker", "mediator", "analyst", "leader", "admin"
]
UnitKind = Literal[
    "command_center",
    "department",
    "township_center",
    "mediation_center",
    "village_committee",
    "mediation_committee",
    "grid",
]

ROLES: tuple[str, ...] = get_args(Role)
UNIT_KINDS: tuple[str, ...] = get_args(UnitKind)
CATEGORY_GROUPS: tuple[str, ...] = tuple(group.value for group in CategoryGroup)
CHANNELS: tuple[str, ...] = tuple(channel.value for channel in Channel)

_CODE_LEVELS: dict[int, AreaLevel] = {6: "county", 9: "township", 12: "village", 14: "grid"}


def level_of_code(code: str) -> AreaLevel | None:
    """The level of an area code by its length (6/9/12/14 digits), None if not an area code."""
    if not code.isdigit():
        return None
    return _CODE_LEVELS.get(len(code))


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Area(_Frozen):
    code: str
    name: str
    level: AreaLevel
    parent_code: str | None
    aliases: list[str] = Field(default_factory=list)
    geometry: dict[str, Any] = Field(repr=False)
    """GeoJSON geometry (a Polygon, lon/lat WGS84, 6 decimals)."""

    @cached_property
    def shape(self) -> Any:
        """The geometry as a shapely Polygon (built on first use)."""
        from shapely.geometry import shape

        return shape(self.geometry)

    def contains_code(self, code: str) -> bool:
        """True if code is this area or lies below it (prefix scoping)."""
        return code.startswith(self.code)


class Grid(Area):
    level: Literal["grid"] = "grid"
    village_code: str
    township_code: str


class Unit(_Frozen):
    code: str
    name: str
    kind: UnitKind
    area_code: str
    parent_code: str | None
    phone: str | None = None
    webhook_url: str | None = None
    aliases: list[str] = Field(default_factory=list)
    category_groups: list[CategoryGroup] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)


class StaffMember(_Frozen):
    username: str
    display_name: str
    role: Role
    area_code: str
    unit_code: str
    phone: str


class ApiClient(_Frozen):
    client_id: str
    name: str
    key_sha256: str
    channels: list[Channel]
    area_codes: list[str]

    def check_key(self, plain_key: str) -> bool:
        """Constant-time comparison of sha256(plain_key) with the stored hash."""
        digest = hashlib.sha256(plain_key.encode("utf-8")).hexdigest()
        return hmac.compare_digest(digest, self.key_sha256)

    def may_access(self, area_code: str) -> bool:
        return any(area_code.startswith(prefix) for prefix in self.area_codes)


class Road(_Frozen):
    name: str
    township_code: str
    village_code: str
    lon: float
    lat: float


class Place(_Frozen):
    """A named place inside one grid: a residential estate (小区) with its buildings, a market,
    school, hospital, factory or construction site."""

    name: str
    kind: PlaceKind
    aliases: list[str] = Field(default_factory=list)
    grid_code: str
    village_code: str
    township_code: str
    lon: float
    lat: float
    address: str | None = None
    buildings: int | None = None
    """How many buildings (栋) an estate has, numbered from 1."""


class CountyData(_Frozen):
    name: str
    version: str
    county: Area
    townships: list[Area]
    villages: list[Area]
    grids: list[Grid]
    units: list[Unit]
    staff: list[StaffMember]
    api_clients: list[ApiClient]
    roads: list[Road]
    places: list[Place] = Field(default_factory=list)

    _areas: dict[str, Area] = PrivateAttr(default_factory=dict)
    _units: dict[str, Unit] = PrivateAttr(default_factory=dict)
    _users: dict[str, StaffMember] = PrivateAttr(default_factory=dict)
    _clients: dict[str, ApiClient] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        areas: list[Area] = [self.county, *self.townships, *self.villages, *self.grids]
        self._areas = {a.code: a for a in areas}
        self._units = {u.code: u for u in self.units}
        self._users = {s.username: s for s in self.staff}
        self._clients = {c.client_id: c for c in self.api_clients}
        for what, index, items in (
            ("area", self._areas, areas),
            ("unit", self._units, self.units),
            ("user", self._users, self.staff),
            ("api client", self._clients, self.api_clients),
        ):
            if len(index) != len(items):
                raise ValueError(f"duplicate {what} keys in county data {self.name!r}")

    def __repr__(self) -> str:
        return (
            f"CountyData(name={self.name!r}, version={self.version!r}, "
            f"county={self.county.code!r}, townships={len(self.townships)}, "
            f"villages={len(self.villages)}, grids={len(self.grids)}, units={len(self.units)}, "
            f"staff={len(self.staff)}, api_clients={len(self.api_clients)}, "
            f"roads={len(self.roads)}, places={len(self.places)})"
        )

    __str__ = __repr__

    # ---- areas
    def area(self, code: str) -> Area | Grid | None:
        """The county, township, village or grid with this code."""
        return self._areas.get(code)

    def area_path(self, code: str) -> list[Area]:
        """County → township → village → grid down to code; [] if code is unknown."""
        path: list[Area] = []
        area = self._areas.get(code)
        while area is not None:
            path.append(area)
            area = self._areas.get(area.parent_code) if area.parent_code else None
        path.reverse()
        return path

    def children(self, code: str) -> list[Area]:
        """Direct children of an area (townships of the county, villages, grids)."""
        return [a for a in self._areas.values() if a.parent_code == code]

    def grids_in(self, area_code: str) -> list[Grid]:
        """All grids inside an area (prefix match)."""
        return [g for g in self.grids if g.code.startswith(area_code)]

    # ---- units, staff, clients
    def unit(self, code: str) -> Unit | None:
        return self._units.get(code)

    def units_of_kind(self, kind: str) -> list[Unit]:
        return [u for u in self.units if u.kind == kind]

    def units_in(self, area_code: str) -> list[Unit]:
        """Units whose area lies inside area_code (prefix match)."""
        return [u for u in self.units if u.area_code.startswith(area_code)]

    def department_for_group(self, group: str) -> list[Unit]:
        """County departments that typically handle a ticket group, in data order."""
        return [u for u in self.units if u.kind == "department" and group in u.category_groups]

    def user(self, username: str) -> StaffMember | None:
        return self._users.get(username)

    def default_user(self, role: str) -> StaffMember:
        """The role's default demo user (the first listed); KeyError if none."""
        for s in self.staff:
            if s.role == role:
                return s
        raise KeyError(f"no demo user with role {role!r}")

    def api_client(self, client_id: str) -> ApiClient | None:
        return self._clients.get(client_id)

    def api_client_for_key(self, plain_key: str) -> ApiClient | None:
        """The API client whose key hash matches plain_key, or None."""
        return next((c for c in self.api_clients if c.check_key(plain_key)), None)


def _read_json(name: str, filename: str) -> Any:
    path = resources.files(__name__).joinpath(name, filename)
    return json.loads(path.read_text(encoding="utf-8"))


def load_county(name: str = "qingshan") -> CountyData:
    """Load (once, then cached) the county data shipped in pingan_common.refdata/<name>/."""
    return _load_county(name)


@lru_cache(maxsize=8)
def _load_county(name: str) -> CountyData:
    manifest = _read_json(name, "manifest.json")
    areas = [Area.model_validate(a) for a in _read_json(name, "areas.json")["areas"]]
    counties = [a for a in areas if a.level == "county"]
    if len(counties) != 1:
        raise ValueError(f"county data {name!r} must have exactly one county area")
    grids = [
        Grid.model_validate(
            {
                **f["properties"],
                "level": "grid",
                "parent_code": f["properties"]["village_code"],
                "geometry": f["geometry"],
            }
        )
        for f in _read_json(name, "grids.geojson")["features"]
    ]
    return CountyData(
        name=name,
        version=manifest["version"],
        county=counties[0],
        townships=[a for a in areas if a.level == "township"],
        villages=[a for a in areas if a.level == "village"],
        grids=grids,
        units=_read_json(name, "units.json")["units"],
        staff=_read_json(name, "staff.json")["staff"],
        api_clients=_read_json(name, "api_clients.json")["api_clients"],
        roads=_read_json(name, "roads.json")["roads"],
        places=_read_json(name, "places.json")["places"]
        if "places.json" in manifest["files"]
        else [],
    )
