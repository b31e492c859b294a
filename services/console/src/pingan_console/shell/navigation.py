"""Which pages each role has, in the order its navigation shows them, and its home page.

Plain data: the services decide what a user may read and do; this only decides which pages
are worth showing a role (a handler has no use for the operator's call form).
"""

from __future__ import annotations

from dataclasses import dataclass

from pingan_common.auth import Principal, Role

ROLE_LABELS: dict[str, str] = {
    Role.OPERATOR: "话务员",
    Role.DISPATCHER: "派单员",
    Role.HANDLER: "承办单位",
    Role.GRID_WORKER: "网格员",
    Role.MEDIATOR: "调解员",
    Role.ANALYST: "研判人员",
    Role.LEADER: "值班领导",
    Role.ADMIN: "管理员",
}


@dataclass(frozen=True)
class Page:
    path: str
    label: str
    roles: frozenset[str]


def _roles(*roles: Role) -> frozenset[str]:
    return frozenset(str(role) for role in roles)


PAGES: tuple[Page, ...] = (
    Page("/operator", "来电登记", _roles(Role.OPERATOR, Role.ADMIN)),
    Page("/tickets", "工单查询", _roles(Role.OPERATOR, Role.DISPATCHER, Role.LEADER, Role.ADMIN)),
    Page("/dispatch", "派单看板", _roles(Role.DISPATCHER, Role.LEADER, Role.ADMIN)),
    Page("/unit", "本单位任务", _roles(Role.HANDLER)),
    Page("/grid", "网格上报", _roles(Role.GRID_WORKER)),
    Page("/mediation", "调解案件", _roles(Role.MEDIATOR, Role.LEADER, Role.ADMIN)),
    Page("/alerts", "风险预警", _roles(Role.ANALYST, Role.LEADER, Role.ADMIN)),
    Page("/keypersons", "重点人员", _roles(Role.ANALYST, Role.LEADER, Role.ADMIN)),
    Page("/assessments", "稳评", _roles(Role.ANALYST, Role.LEADER, Role.ADMIN)),
    Page("/bigscreen", "指挥大屏", _roles(Role.DISPATCHER, Role.ANALYST, Role.LEADER, Role.ADMIN)),
)

HOME_BY_ROLE: dict[str, str] = {
    Role.OPERATOR: "/operator",
    Role.DISPATCHER: "/dispatch",
    Role.HANDLER: "/unit",
    Role.GRID_WORKER: "/grid",
    Role.MEDIATOR: "/mediation",
    Role.ANALYST: "/alerts",
    Role.LEADER: "/bigscreen",
    Role.ADMIN: "/dispatch",
}


def pages_for(principal: Principal) -> list[Page]:
    return [page for page in PAGES if principal.roles & page.roles]


def home_for(principal: Principal) -> str:
    for role in HOME_BY_ROLE:
        if role in principal.roles:
            return HOME_BY_ROLE[role]
    return "/login"


def role_label(principal: Principal) -> str:
    return "、".join(ROLE_LABELS.get(role, role) for role in sorted(principal.roles))
