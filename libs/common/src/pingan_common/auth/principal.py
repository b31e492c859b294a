"""Who is calling: a staff user (bearer JWT) or a third-party system (API key or client token)."""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal


class Role(StrEnum):
    OPERATOR = "operator"  # 12345 话务员 / 110 接警员
    DISPATCHER = "dispatcher"  # 指挥中心派单员
    HANDLER = "handler"  # 承办单位
    GRID_WORKER = "grid_worker"  # 网格员
    MEDIATOR = "mediator"  # 人民调解员
    ANALYST = "analyst"  # 研判人员
    LEADER = "leader"  # 值班领导
    ADMIN = "admin"


PrincipalKind = Literal["user", "api_client"]

# Area codes nest by prefix: county 6 digits (GB/T 2260), township 9, village 12, grids longer.
COUNTY_CODE_LENGTH = 6


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    name: str
    kind: PrincipalKind = "user"
    roles: frozenset[str] = frozenset()
    area_code: str = ""
    unit_code: str | None = None
    # API clients: the intake channels they may submit on, and the areas they serve.
    channels: frozenset[str] = frozenset()
    area_codes: tuple[str, ...] = field(default=())
    # When the token behind this principal expires (epoch seconds), for what outlives a request,
    # like a live stream; not part of who the principal is.
    expires_at: float | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        # Accept lists and sets from callers; keep the value immutable and hashable.
        object.__setattr__(self, "roles", frozenset(str(role) for role in self.roles))
        object.__setattr__(self, "channels", frozenset(self.channels))
        object.__setattr__(self, "area_codes", tuple(self.area_codes))

    @property
    def area_prefixes(self) -> tuple[str, ...]:
        """Every area this principal covers; an empty code covers nothing (fail closed)."""
        codes = (self.area_code, *self.area_codes)
        return tuple(dict.fromkeys(code for code in codes if code))

    @property
    def is_county_wide(self) -> bool:
        return any(len(prefix) <= COUNTY_CODE_LENGTH for prefix in self.area_prefixes)

    def covers_area(self, code: str | None) -> bool:
        """True if ``code`` lies within one of the principal's areas.

        Records without an area (not yet located) belong to the county command center, so
        only county-wide principals cover ``None``.
        """
        if code is None:
            return self.is_county_wide
        return any(code.startswith(prefix) for prefix in self.area_prefixes)

    def has_role(self, *roles: str) -> bool:
        """True if the principal holds any of ``roles``."""
        return any(str(role) in self.roles for role in roles)
