"""Intake's Open311 endpoints as a real GeoReport v2 client sees them: the ``georeport`` package
(PyPI) over HTTP to the running service on a loopback port.

georeport 0.3.1 reads (services, service definitions, requests) and sends no ``api_key`` on
GET; it cannot create requests, so the request is posted as the specification shows it (a
form-encoded POST with the key, through ``requests``, the client's own HTTP library) and then
read back with the client, in JSON and in XML.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import requests
from georeport import GeoReport

from pingan_common.testing.servers import serve_here

KEY = "pingan-demo-key-0001"
JURISDICTION = "qingshan.gov.cn"


@pytest.fixture(scope="module")
async def base_url(api) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    async with serve_here(api.service.app) as url:
        yield f"{url}/open311/v2"


def _post(base_url: str, **fields: str) -> list[dict]:
    form = {
        "api_key": KEY,
        "jurisdiction_id": JURISDICTION,
        "service_code": "street_light",
        "lat": "28.093",
        "long": "119.911",
        "address_string": "石桥镇石桥路口",
        "description": "石桥路口的路灯坏了三天，晚上过马路看不见",
        "first_name": "先生",
        "last_name": "陈",
        "phone": "13912345678",
        **fields,
    }
    response = requests.post(f"{base_url}/requests.json", data=form, timeout=10)
    response.raise_for_status()
    return response.json()


async def test_the_georeport_client_lists_services_creates_a_request_and_reads_it_back(base_url):
    client = GeoReport(base_url, jurisdiction=JURISDICTION)

    services = await asyncio.to_thread(client.get_service_list)
    codes = {service["service_code"] for service in services}
    assert {"street_light", "gas_leak"} <= codes
    definition = await asyncio.to_thread(client.get_service_definition, "street_light")
    assert definition["service_code"] == "street_light"

    [created] = await asyncio.to_thread(_post, base_url)
    number = created["service_request_id"]

    request = await asyncio.to_thread(client.get_service_request, number)
    assert request["service_request_id"] == number
    assert request["service_code"] == "street_light"
    assert request["status"] == "open"
    assert request["status_notes"] == "已受理，正在派单"
    assert request["agency_responsible"] == "青山县社会治理指挥中心"
    assert request["requested_datetime"]
    # Read by anyone: no description, address, name or phone.
    assert "description" not in request and "address" not in request
    assert "13912345678" not in str(request) and "陈" not in str(request)

    listed = await asyncio.to_thread(
        client.get_service_requests, service_request_id=number, status="open"
    )
    assert [item["service_request_id"] for item in listed] == [number]


async def test_the_client_reads_the_same_request_in_xml(base_url):
    [created] = await asyncio.to_thread(_post, base_url)
    client = GeoReport(base_url, jurisdiction=JURISDICTION, output_format="xml")

    request = await asyncio.to_thread(client.get_service_request, created["service_request_id"])

    assert request["service_request_id"] == created["service_request_id"]
    assert request["status"] == "open"


async def test_posting_without_a_key_is_refused(base_url):
    response = await asyncio.to_thread(
        requests.post,
        f"{base_url}/requests.json",
        data={"service_code": "street_light", "lat": "28.09", "long": "119.91"},
        timeout=10,
    )

    assert response.status_code == 401
    assert response.json()[0]["code"] == 401
