"""A warning bulletin (riskassess's ``bulletin.issued``) reaches the inbox of every unit it
names and of the grid workers inside the areas it names, and nobody else; urgent when orange
or red; a redelivered bulletin is delivered once."""

from __future__ import annotations

from datetime import UTC, datetime

from pingan_common.events.riskassess_bulletins import BulletinIssued, BulletinIssuedData
from pingan_common.ids import new_id
from pingan_common.testing.services import eventually

TITLE = "关于北坝镇欠薪群体性苗头的预警通报"


def bulletin() -> BulletinIssued:
    bulletin_id = new_id()
    return BulletinIssued.create(
        BulletinIssuedData(
            bulletin_id=bulletin_id,
            bulletin_number="YJTB202612020001",
            level="orange",
            title=TITLE,
            body="近期多名工人反映某厂欠薪，请属地加强排查，做好稳控。",
            area_code="331199",
            unit_codes=["331199005-ZZ"],
            area_codes=["331199005"],
            issued_by="analyst1",
            issued_at=datetime.now(UTC),
        ),
        subject=str(bulletin_id),
        correlationid=str(bulletin_id),
    )


async def _grid_worker(notify, events, user_id: str, grid: str) -> None:  # type: ignore[no-untyped-def]
    unit = f"{grid}-WG"
    await notify.send(events.unit_changed(unit, area_code=grid))
    await notify.send(
        events.staff_changed(user_id, roles=("grid_worker",), unit_code=unit, area_code=grid)
    )


async def _inbox(notify, token: str) -> list[dict]:  # type: ignore[no-untyped-def]
    response = await notify.client.get("/v1/inbox", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return [item for item in response.json()["items"] if TITLE in (item.get("title") or "")]


async def test_a_bulletin_reaches_the_named_unit_and_the_grid_workers_of_the_named_area(
    notify, events
):
    await _grid_worker(notify, events, "gw-beiba-1", "33119900500101")
    await _grid_worker(notify, events, "gw-beiba-2", "33119900500201")
    await _grid_worker(notify, events, "gw-elsewhere", "33119900600101")
    await eventually(
        lambda: notify.scalar("SELECT count(*) FROM directory_staff WHERE user_id = 'gw-elsewhere'")
    )
    issued = bulletin()

    await notify.send(issued)
    await notify.send(issued)  # redelivered
    await eventually(lambda: notify.consumed(issued.id))

    tokens = notify.stack.auth
    unit_items = await _inbox(
        notify, tokens.token("handler", area="331199005", unit="331199005-ZZ")
    )
    first = await _inbox(
        notify, tokens.token("grid_worker", area="33119900500101", subject="gw-beiba-1")
    )
    second = await _inbox(
        notify, tokens.token("grid_worker", area="33119900500201", subject="gw-beiba-2")
    )
    outside = await _inbox(
        notify, tokens.token("grid_worker", area="33119900600101", subject="gw-elsewhere")
    )
    other_unit = await _inbox(
        notify, tokens.token("handler", area="331199001", unit="331199001-ZZ")
    )

    assert len(unit_items) == 1
    assert unit_items[0]["title"] == f"【橙色预警通报】{TITLE}"
    assert unit_items[0]["urgent"] is True
    assert "YJTB202612020001" in unit_items[0]["body"]
    assert len(first) == 1
    assert len(second) == 1
    assert outside == []
    assert other_unit == []
    deliveries = await notify.scalar(
        "SELECT count(*) FROM deliveries WHERE trigger_event_id = :id", id=issued.id
    )
    assert deliveries == 3
