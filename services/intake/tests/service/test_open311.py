"""Open311 GeoReport v2 through its documented request shapes: form-encoded POST, api_key and
jurisdiction_id as parameters, JSON (and XML) lists, errors as [{"code", "description"}]."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from pingan_intake.models import Ticket, TimelineEntry, messaging

KEY = "pingan-demo-key-0001"
POLICE_KEY = "pingan-110-key-0001"
FORM = "application/x-www-form-urlencoded"
OUTBOX = messaging.outbox
_spots = iter(range(1000))


def _request_form(**fields: str) -> dict[str, str]:
    n = next(_spots)
    form = {
        "api_key": KEY,
        "jurisdiction_id": "qingshan.gov.cn",
        "service_code": "street_light",
        # Spread out, so that the duplicate gate never merges two tests' requests.
        "lat": f"{28.07 + (n // 30) * 0.006:.6f}",
        "long": f"{119.72 + (n % 30) * 0.006:.6f}",
        "description": "路口的路灯坏了一个星期",
        "first_name": "女士",
        "last_name": "王",
        "phone": f"139100{n:05d}",
    }
    form.update(fields)
    return form


async def _post(api, form: dict[str, str], *, fmt: str = "json", headers=None):  # type: ignore[no-untyped-def]
    return await api.client.post(
        f"/open311/v2/requests.{fmt}",
        content=urlencode(form).encode(),
        headers={"Content-Type": FORM, **(headers or {})},
    )


def _error(response, status: int) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body, list) and len(body) == 1
    assert body[0]["code"] == status
    return body[0]["description"]


# --- services ---------------------------------------------------------------------------------


async def test_service_list_offers_every_subcategory(api):
    response = await api.client.get("/open311/v2/services.json?jurisdiction_id=331199")

    assert response.status_code == 200
    services = {s["service_code"]: s for s in response.json()}
    assert len(services) >= 40
    light = services["street_light"]
    assert light["service_name"] == "路灯故障"
    assert light["metadata"] is False
    assert light["type"] == "realtime"
    assert light["group"] == "城市管理与民生"


async def test_service_keywords_are_plain_words_not_rule_patterns(api):
    response = await api.client.get("/open311/v2/services.json?jurisdiction_id=331199")

    services = {s["service_code"]: s for s in response.json()}
    for code, service in services.items():
        words = service["keywords"].split(",") if service["keywords"] else []
        assert all(re.fullmatch(r"[\w\u4e00-\u9fff]+", word) for word in words), (code, words)
    # Its cues include patterns like 去北京(上访|告|找); a citizen's app must not show those.
    assert "进京上访" in services["threat_extreme_petition"]["keywords"].split(",")
    assert "(" not in services["threat_extreme_petition"]["keywords"]


async def test_service_list_as_xml(api):
    response = await api.client.get("/open311/v2/services.xml")

    assert response.headers["content-type"].startswith("text/xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == "services"
    codes = [s.findtext("service_code") for s in root.findall("service")]
    assert "street_light" in codes


async def test_service_definition(api):
    response = await api.client.get("/open311/v2/services/street_light.json")

    assert response.json() == {"service_code": "street_light", "attributes": []}


async def test_unknown_service_definition_is_a_404_in_open311_shape(api):
    _error(await api.client.get("/open311/v2/services/teleport.json"), 404)


@pytest.mark.parametrize("path", ["/open311/v2/services.json", "/open311/v2/requests.json"])
async def test_unknown_jurisdiction_is_a_404(api, path: str):
    response = await api.client.get(path, params={"jurisdiction_id": "hangzhou.gov.cn"})

    assert "jurisdiction" in _error(response, 404)


# --- POST service request ---------------------------------------------------------------------


async def test_form_encoded_request_becomes_an_open311_ticket(api):
    response = await _post(api, _request_form())

    assert response.status_code == 201, response.text
    [created] = response.json()
    number = created["service_request_id"]
    assert number.startswith("QS")
    assert number in created["service_notice"]
    rows = await api.rows(select_ticket(number))
    ticket = rows[0].Ticket
    assert ticket.channel == "open311"
    assert ticket.description == "路口的路灯坏了一个星期"
    assert ticket.category_code == "street_light"
    assert ticket.registered_by == "client:demo-thirdparty"
    assert ticket.caller_name == "王 女士"
    assert ticket.caller_phone.startswith("139100")
    assert ticket.location_resolved is True


def select_ticket(number: str):  # type: ignore[no-untyped-def]
    return select(Ticket).where(Ticket.ticket_number == number)


async def test_request_with_only_an_address_is_located_from_the_gazetteer(api):
    form = _request_form(address_string="幸福小区3幢门口")
    del form["lat"], form["long"]

    response = await _post(api, form)

    number = response.json()[0]["service_request_id"]
    ticket = (await api.rows(select_ticket(number)))[0].Ticket
    assert ticket.village_code == "331199001001"
    assert ticket.location_resolved is False


async def test_request_in_xml(api):
    response = await _post(api, _request_form(), fmt="xml")

    assert response.status_code == 201
    root = ElementTree.fromstring(response.content)
    assert root.find("request").findtext("service_request_id").startswith("QS")


async def test_retry_with_the_same_idempotency_key_returns_the_first_request(api):
    form = _request_form()
    key = {"Idempotency-Key": f"o311-{uuid.uuid4()}"}

    first = await _post(api, form, headers=key)
    retry = await _post(api, form, headers=key)

    assert (first.status_code, retry.status_code) == (201, 200)
    assert first.json()[0]["service_request_id"] == retry.json()[0]["service_request_id"]


async def test_threat_in_the_text_outranks_the_chosen_service(api):
    form = _request_form(description="再不给我解决我就带汽油去他们单位同归于尽")

    response = await _post(api, form)

    number = response.json()[0]["service_request_id"]
    ticket = (await api.rows(select_ticket(number)))[0].Ticket
    assert ticket.category_group == "extreme_threat"


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"api_key": ""}, 401, "api_key"),
        ({"api_key": "wrong-key"}, 403, "api_key"),
        ({"service_code": ""}, 400, "service_code"),
        ({"service_code": "teleport"}, 400, "service_code"),
        ({"lat": "north", "long": "119.7"}, 400, "lat"),
        ({"long": ""}, 400, "long"),
        ({"long": "200", "lat": "28.1"}, 400, "long"),
        ({"phone": "12800138000"}, 400, "phone"),
        ({"description": "路" * 4001}, 400, "description"),
        ({"media_url": "ftp://x/y.jpg"}, 400, "media_url"),
        ({"colour": "red"}, 400, "colour"),
        ({"jurisdiction_id": "elsewhere"}, 404, "jurisdiction"),
    ],
)
async def test_bad_requests_are_open311_errors_and_write_nothing(api, change, status, words):
    form = _request_form(**change)
    before = await api.count(Ticket)

    response = await _post(api, form)

    assert words in _error(response, status)
    assert await api.count(Ticket) == before


async def test_request_without_any_location_is_a_400(api):
    form = _request_form()
    del form["lat"], form["long"]

    assert "location" in _error(await _post(api, form), 400)


async def test_json_body_is_refused_with_a_hint(api):
    response = await api.client.post("/open311/v2/requests.json", json=_request_form())

    assert "x-www-form-urlencoded" in _error(response, 400)


async def test_a_key_without_the_open311_channel_may_not_post(api):
    _error(await _post(api, _request_form(api_key=POLICE_KEY)), 403)


# --- GET service requests ---------------------------------------------------------------------


async def test_request_is_read_back_with_its_status(api):
    number = (await _post(api, _request_form())).json()[0]["service_request_id"]

    response = await api.client.get(f"/open311/v2/requests/{number}.json", params={"api_key": KEY})

    assert response.status_code == 200, response.text
    [item] = response.json()
    assert item["service_request_id"] == number
    assert item["status"] == "open"
    assert item["service_code"] == "street_light"
    assert item["agency_responsible"] == "青山县社会治理指挥中心"
    assert item["status_notes"] == "已受理，正在派单"
    assert item["description"] == "路口的路灯坏了一个星期"  # its submitter sees what it sent
    assert item["requested_datetime"]


async def test_requests_list_filters_by_ids_and_status(api):
    numbers = [
        (await _post(api, _request_form())).json()[0]["service_request_id"] for _ in range(2)
    ]

    listed = await api.client.get(
        "/open311/v2/requests.json",
        params={"api_key": KEY, "service_request_id": ",".join(numbers), "status": "open"},
    )
    closed = await api.client.get(
        "/open311/v2/requests.json",
        params={"api_key": KEY, "service_request_id": ",".join(numbers), "status": "closed"},
    )

    assert sorted(item["service_request_id"] for item in listed.json()) == sorted(numbers)
    assert closed.json() == []


async def test_another_clients_request_is_not_found(api):
    number = (await _post(api, _request_form())).json()[0]["service_request_id"]

    response = await api.client.get(
        f"/open311/v2/requests/{number}.json", params={"api_key": POLICE_KEY}
    )

    _error(response, 404)


async def test_requests_are_read_without_a_key_public_fields_only(api):
    form = _request_form(description="路口的路灯坏了，我是王某某，电话13910001234")
    number = (await _post(api, form)).json()[0]["service_request_id"]

    one = await api.client.get(f"/open311/v2/requests/{number}.json")
    listed = await api.client.get(
        "/open311/v2/requests.json", params={"service_request_id": number}
    )

    assert one.status_code == 200, one.text
    [item] = one.json()
    assert listed.json() == [item]
    assert set(item) == {
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
    }
    assert (item["status"], item["status_notes"]) == ("open", "已受理，正在派单")
    assert "1391000" not in one.text and "王" not in one.text


async def test_status_notes_never_show_the_internal_timeline(api):
    number = (await _post(api, _request_form())).json()[0]["service_request_id"]
    ticket = (await api.rows(select_ticket(number)))[0].Ticket
    async with api.service.runtime.transaction() as session:
        session.add(
            TimelineEntry(
                ticket_id=ticket.id,
                at=ticket.registered_at,
                step="notified",
                service="notify",
                summary="已通知 leader1：红色预警，请赵建国立即处置（13800000007）",
                details={"recipient": "leader1", "unit_name": "张伟"},
            )
        )

    public = await api.client.get(f"/open311/v2/requests/{number}.json")
    keyed = await api.client.get(f"/open311/v2/requests/{number}.json", params={"api_key": KEY})
    as_xml = await api.client.get(f"/open311/v2/requests/{number}.xml")

    for response in (public, keyed, as_xml):
        assert response.status_code == 200, response.text
        for secret in ("leader1", "红色预警", "赵建国", "13800000007", "张伟"):
            assert secret not in response.text
    assert keyed.json()[0]["status_notes"] == "已受理，正在派单"


async def test_the_public_does_not_see_sensitive_matters_but_their_submitter_does(api):
    form = _request_form(description="再不给我解决我就带汽油去他们单位同归于尽")
    number = (await _post(api, form)).json()[0]["service_request_id"]

    public = await api.client.get(f"/open311/v2/requests/{number}.json")
    listed = await api.client.get(
        "/open311/v2/requests.json", params={"service_request_id": number}
    )
    keyed = await api.client.get(f"/open311/v2/requests/{number}.json", params={"api_key": KEY})

    _error(public, 404)
    assert listed.json() == []
    assert keyed.json()[0]["description"] == form["description"]


async def test_tickets_of_other_channels_are_not_published(api):
    body = api.lone_body(description="人民路路灯坏了好几天")
    number = (await api.register(body))["ticket_number"]

    _error(await api.client.get(f"/open311/v2/requests/{number}.json"), 404)


async def test_a_wrong_key_on_a_read_is_still_refused(api):
    response = await api.client.get("/open311/v2/requests.json", params={"api_key": "wrong-key"})

    _error(response, 403)


async def test_bad_date_filter_is_a_400(api):
    response = await api.client.get(
        "/open311/v2/requests.json", params={"api_key": KEY, "start_date": "last tuesday"}
    )

    _error(response, 400)
