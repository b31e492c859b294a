"""What operators and client developers rely on: health, readiness, metrics and the API docs."""

from __future__ import annotations

import re


async def test_healthz_says_ok(intake):
    response = await intake.client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_database_broker_and_consumers_up(intake):
    response = await intake.client.get("/readyz")

    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": "ready",
        "database": True,
        "broker": True,
        "consumers": True,
    }


async def test_metrics_has_the_http_latency_histogram_of_served_routes(api, intake):
    await api.get("QS20260101000000")  # a 404 on the ticket route

    response = await intake.client.get("/metrics")

    assert response.status_code == 200
    text = response.text
    assert "pingan_http_request_duration_seconds" in text
    samples = [
        dict(re.findall(r'(\w+)="([^"]*)"', labels))
        for labels in re.findall(r"^pingan_http_request_duration_seconds_count\{(.*)\}", text, re.M)
    ]
    wanted = {"service": "intake", "method": "GET", "route": "/v1/tickets/{ticket_ref}"}
    assert any(
        sample.items() >= wanted.items() and sample.get("status") == "404" for sample in samples
    ), "no latency sample for the ticket route by template and status"


async def test_openapi_documents_ticket_creation_with_its_example(intake):
    response = await intake.client.get("/openapi.json")

    assert response.status_code == 200
    spec = response.json()
    schema = spec["components"]["schemas"]["TicketCreate"]
    example = schema["examples"][0]
    assert example["channel"] == "hotline_12345"
    assert example["caller"]["phone"] == "13800138000"
    post = spec["paths"]["/v1/tickets"]["post"]
    assert {"201", "400", "401", "403", "422"} <= set(post["responses"])
    assert "application/problem+json" in post["responses"]["422"]["content"]
    parameters = {p["name"] for p in post.get("parameters", [])}
    assert "Idempotency-Key" in parameters


async def test_openapi_covers_reads_and_operations(intake):
    paths = (await intake.client.get("/openapi.json")).json()["paths"]

    assert {"/v1/tickets", "/v1/tickets/{ticket_ref}", "/healthz", "/readyz"} <= set(paths)


async def test_docs_page_is_served_without_a_cdn(intake):
    response = await intake.client.get("/docs")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "swagger" in html.lower()
    for cdn in ("cdn.jsdelivr.net", "unpkg.com", "cdnjs.cloudflare.com", "fastapi.tiangolo.com"):
        assert cdn not in html, f"/docs loads from {cdn}"


async def test_docs_assets_are_served_by_the_service_itself(intake):
    html = (await intake.client.get("/docs")).text
    assets = re.findall(r'(?:src|href)="(/[^"]+\.(?:js|css))"', html)

    assert assets, "the docs page references no local scripts or styles"
    for asset in assets:
        assert (await intake.client.get(asset)).status_code == 200, asset


async def test_unknown_path_is_a_404_problem(api, intake):
    response = await intake.client.get("/v1/nothing-here")

    api.expect_problem(response, 404)
