"""Objects in two townships for the security matrix, made the way the platform makes them: a
street-light ticket through intake (dispatch turns it into a task, notify into a delivery and an
inbox item), a neighbour dispute (mediation opens a case), a threat (riskassess raises an alert),
and what is registered directly: a key person, a stability assessment, a screening round, a
webhook subscription.

Each township's callers have their own phone and ID numbers, some typed into the description
too, so that the PII scan knows exactly which clear values must never come back."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pingan_common.county_time import COUNTY_TZ
from pingan_common.testing.services import eventually
from tests.e2e.conftest import Platform

TOWNSHIPS = ("331199001", "331199002")
GRIDS = {"331199001": "33119900100101", "331199002": "33119900200101"}
# The township's 综治中心 (handlers), its first village's 调委会 (mediators).
CENTRES = {code: f"{code}-ZZ" for code in TOWNSHIPS}
COMMITTEES = {code: f"{code}001-TWH" for code in TOWNSHIPS}
# Demo staff in each township, for the directory's /staff/{user_id}.
STAFF = {"331199001": "handler1", "331199002": "handler2"}
# Resident IDs with valid check digits (Hangzhou 330102, Beijing 110105): not the county's own
# 331199, which the checker does not know.
IDS = {"331199001": "330102198503121236", "331199002": "110105197001011233"}
# Township-scoped third-party keys, added to intake's api_clients by the fixture.
API_KEYS = {code: f"security-matrix-key-{code}" for code in TOWNSHIPS}


def phones(township: str) -> dict[str, str]:
    digit = township[-1]
    return {
        "light": f"139{digit}1110001",
        "dispute": f"139{digit}1110002",
        "threat": f"139{digit}1110003",
        "typed": f"137{digit}2220004",  # typed into a description
    }


@dataclass
class Township:
    code: str
    # Values for path, query and body fields by name (ticket_ref, task_id, area_code, …).
    values: dict[str, str] = field(default_factory=dict)
    # Strings that identify this township's objects: ids and numbers.
    markers: set[str] = field(default_factory=set)
    # Clear personal data of its callers (the PII scan's needles).
    clear: set[str] = field(default_factory=set)


@dataclass
class World:
    townships: dict[str, Township]
    # Values that do not depend on a township (template ids, formats, …).
    shared: dict[str, str]

    def other(self, code: str) -> Township:
        (other,) = (t for c, t in self.townships.items() if c != code)
        return other

    @property
    def all_clear(self) -> set[str]:
        return {value for t in self.townships.values() for value in t.clear}


async def _ok(response: Any) -> Any:
    assert response.status_code in (200, 201), f"{response.request.url}: {response.text}"
    return response.json()


async def _ticket(platform: Platform, body: dict[str, Any]) -> dict[str, Any]:
    return await _ok(
        await platform.intake.client.post(
            "/v1/tickets",
            json=body,
            headers={**platform.headers("operator"), "Idempotency-Key": str(uuid.uuid4())},
        )
    )


async def _items(service: Any, path: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    return (await _ok(await service.client.get(path, headers=headers)))["items"]


async def build_world(platform: Platform) -> World:
    await _add_api_clients(platform)
    townships = {code: await _township(platform, code) for code in TOWNSHIPS}
    for township in townships.values():  # ids come as ints from some services
        township.values = {name: str(value) for name, value in township.values.items()}
        # Only what names one object: a small integer id would match any number in a body.
        township.markers = {str(marker) for marker in township.markers if len(str(marker)) >= 8}
    shared = await _shared(platform)
    return World(townships=townships, shared=shared)


async def _township(platform: Platform, code: str) -> Township:
    t = Township(code)
    numbers = phones(code)
    grid = {"grid_code": GRIDS[code]}
    light = await _ticket(
        platform,
        {
            "channel": "hotline_12345",
            "description": f"路口的路灯坏了一个星期了，晚上很黑，有事打我电话{numbers['typed']}",
            "caller": {"name": "王女士", "phone": numbers["light"], "id_number": IDS[code]},
            "location": grid,
        },
    )
    dispute = await _ticket(
        platform,
        {
            "channel": "hotline_12345",
            "description": "隔壁邻居装修把我家墙弄裂了，谈了几次谈不拢，想请社区调解",
            "caller": {"name": "李先生", "phone": numbers["dispute"]},
            "location": grid,
        },
    )
    threat = await _ticket(
        platform,
        {
            "channel": "hotline_12345",
            "description": "老板拖欠我工资半年，今天再不给钱我就从厂房楼顶跳楼",
            "caller": {"phone": numbers["threat"]},
            "location": grid,
        },
    )
    for ticket in (light, dispute, threat):
        assert ticket["location"]["township_code"] == code, ticket["location"]
        t.markers |= {ticket["id"], ticket["ticket_number"]}
    t.values |= {
        "ticket_ref": light["ticket_number"],
        "ticket_id": light["id"],
        "correlation_id": light["id"],
        "service_request_id": light["ticket_number"],
        "master_ref": dispute["ticket_number"],
        "master": dispute["ticket_number"],
        "area_code": code,
        "area": code,
        "area_prefix": code,
        "township_code": code,
        "unit_code": CENTRES[code],
        "code": CENTRES[code],
        "user_id": STAFF[code],
    }
    t.clear |= set(numbers.values()) | {IDS[code]}

    county = platform.headers("admin")
    (task,) = await eventually(
        lambda: _items(platform.dispatch, f"/v1/tasks?ticket_id={light['id']}", county)
    )
    (case,) = await eventually(
        lambda: _items(platform.mediation, f"/v1/cases?ticket_id={dispute['id']}", county)
    )
    (alert,) = await eventually(
        lambda: _items(platform.riskassess, f"/v1/alerts?ticket_id={threat['id']}", county)
    )
    (delivery, *_) = await eventually(
        lambda: _items(
            platform.notify,
            f"/v1/deliveries?correlation_id={light['id']}&channel=in_app",
            county,
        )
    )
    handler = platform.headers("handler", area=code, unit=CENTRES[code], subject=STAFF[code])
    (item, *_) = await eventually(
        lambda: _items(platform.notify, f"/v1/inbox?ticket_id={light['id']}", handler)
    )
    t.values |= {
        "task_id": task["id"],
        "case_id": case["id"],
        "alert_id": alert["id"],
        "delivery_id": delivery["id"],
        "item_id": item["id"],
    }
    t.markers |= {task["id"], case["id"], alert["id"], delivery["id"], item["id"]}

    analyst = platform.headers("analyst", area=code)
    person_phone = f"135{code[-1]}3330005"
    person = await _ok(
        await platform.riskassess.client.post(
            "/v1/key-persons",
            json={
                "category": "community_correction",
                "name": "孙某某",
                "phone": person_phone,
                "resident_id": IDS[code],
                "area_code": code + "001",
                "case_officer": STAFF[code],
            },
            headers={**analyst, "Idempotency-Key": str(uuid.uuid4())},
        )
    )
    assessment = await _ok(
        await platform.riskassess.client.post(
            "/v1/assessments",
            json={
                "title": f"{code}片区征地拆迁项目",
                "matter_kind": "land_expropriation",
                "area_code": code,
                "affected_population": 120,
            },
            headers={**analyst, "Idempotency-Key": str(uuid.uuid4())},
        )
    )
    mitigated = await _ok(
        await platform.riskassess.client.post(
            f"/v1/assessments/{assessment['id']}/mitigations",
            json={
                "measure": "设立临时安置点并公示补偿标准",
                "owner": STAFF[code],
                "due_date": "2027-03-31",
            },
            headers=analyst,
        )
    )
    t.clear.add(person_phone)
    # Mitigation ids are small integers: a value to call routes with, never a marker to look for.
    t.values["mitigation_id"] = str(mitigated["mitigations"][0]["id"])
    t.values |= {"person_id": person["id"], "assessment_id": assessment["id"]}
    t.markers |= {person["id"], assessment["id"]}

    township_admin = platform.headers("admin", area=code)
    now = platform.mediation.runtime.now().astimezone(COUNTY_TZ)
    screening = await _ok(
        await platform.mediation.client.post(
            "/v1/screening/rounds",
            json=_round_body(code, now),
            headers={**township_admin, "Idempotency-Key": str(uuid.uuid4())},
        )
    )
    t.values["round_id"] = screening["id"]
    t.markers.add(screening["id"])

    subscription = await _ok(
        await platform.notify.client.post(
            "/v1/webhooks/subscriptions",
            json={
                "name": f"{code} 第三方",
                "url": "https://hooks.example.gov.cn/pingan",
                "secret": "s" * 24,
                "event_types": ["pingan.dispatch.task.*"],
                "area_prefix": code,
            },
            headers={**platform.headers("admin", area=code), "Idempotency-Key": str(uuid.uuid4())},
        )
    )
    t.values["subscription_id"] = subscription["id"]
    t.markers.add(subscription["id"])
    return t


def _round_body(code: str, now: Any) -> dict[str, Any]:
    return {
        "title": f"{code} 矛盾纠纷排查",
        "area_code": code,
        "period_start": now.date().isoformat(),
        "period_end": (now + timedelta(days=7)).date().isoformat(),
    }


async def _add_api_clients(platform: Platform) -> None:
    import hashlib

    from sqlalchemy import text

    async with platform.intake.runtime.transaction() as session:
        for code, key in API_KEYS.items():
            await session.execute(
                text(
                    "INSERT INTO api_clients (client_id, name, key_sha256, channels, area_codes,"
                    " scopes, active) VALUES (:id, :name, :sha, :channels, :areas, '{}', true)"
                ),
                {
                    "id": f"matrix-{code}",
                    "name": f"{code} 第三方系统",
                    "sha": hashlib.sha256(key.encode()).hexdigest(),
                    "channels": ["third_party", "web", "open311"],
                    "areas": [code],
                },
            )


async def _shared(platform: Platform) -> dict[str, str]:
    headers = platform.headers("operator")
    knowledge = await _items(platform.intake, "/v1/knowledge?q=医保", headers)
    services = await _ok(await platform.intake.client.get("/open311/v2/services.json"))
    today = platform.dispatch.runtime.now().astimezone(COUNTY_TZ).date().isoformat()
    # The expert pool (专家库) is the county's, not a township's.
    expert = await _ok(
        await platform.riskassess.client.post(
            "/v1/experts",
            json={
                "name": "李明",
                "field": "法律",
                "organisation": "青山县律师协会",
                "interests": [],
            },
            headers=platform.headers("analyst"),
        )
    )
    return {
        "expert_id": str(expert["id"]),
        # A case's first party (every dispute case has one), a report of this month.
        "ref": "P1",
        "kind": "monthly",
        "period": today[:7],
        "entry_id": str(knowledge[0]["id"]) if knowledge else "1",
        "service_code": services[0]["service_code"],
        "fmt": "json",
        "template_id": "ticket_receipt.sms",
        "day": today,
    }
