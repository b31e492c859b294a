"""NUL characters and non-UTF-8 bytes in a path or query are a 422 problem before any route."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from pingan_common.input_guard import UnencodableInputGuard, unencodable_parameters
from pingan_common.problems import install_problem_handlers


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(UnencodableInputGuard)

    @app.get("/v1/items/{ref}")
    async def item(ref: str, q: str | None = None) -> dict[str, str | None]:
        return {"ref": ref, "q": q}

    return app


async def _get(url: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://guard.test") as client:
        return await client.get(url)


async def test_plain_parameters_pass_through() -> None:
    response = await _get("/v1/items/QS2026?q=%E8%B7%AF%E7%81%AF")
    assert response.status_code == 200
    assert response.json() == {"ref": "QS2026", "q": "路灯"}


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/v1/items/QS2026?q=a%00b", "query.q"),
        ("/v1/items/QS2026?q%00x=1", "query.qx"),
        ("/v1/items/QS%002026", "path"),
        ("/v1/items/QS2026?q=%FF%FE", "query"),
    ],
)
async def test_a_nul_or_non_utf8_parameter_is_a_422_naming_it(url: str, field: str) -> None:
    response = await _get(url)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_an_empty_query_has_no_errors() -> None:
    assert unencodable_parameters("/v1/tickets", b"") == []
    assert unencodable_parameters("/v1/tickets", b"a=&&b=2") == []
