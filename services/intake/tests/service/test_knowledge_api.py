"""The knowledge base over REST: the search operators use on a call, and one entry by id."""

from __future__ import annotations


async def test_search_answers_ranked_hits_with_snippets(api):
    response = await api.client.get(
        "/v1/knowledge",
        params={"q": "医保什么时候缴费", "limit": 3},
        headers=api.headers("operator"),
    )

    assert response.status_code == 200, response.text
    result = response.json()
    assert result["query"] == "医保什么时候缴费"
    assert len(result["items"]) == 3
    first = result["items"][0]
    assert first["id"] == "KB-YB-001"
    assert first["snippet"] and first["department"] == "青山县医疗保障局"
    assert [i["score"] for i in result["items"]] == sorted(
        (i["score"] for i in result["items"]), reverse=True
    )


async def test_one_entry_is_read_by_id_and_an_unknown_one_is_404(api):
    response = await api.client.get("/v1/knowledge/KB-DDC-001", headers=api.headers("dispatcher"))

    assert response.status_code == 200
    entry = response.json()
    assert entry["title"] == "电动自行车上牌登记"
    assert "电动车上牌" in entry["keywords"]
    assert entry["updated"] == "2026-03-25"
    missing = await api.client.get("/v1/knowledge/KB-NOPE", headers=api.headers("operator"))
    api.expect_problem(missing, 404)


async def test_search_needs_credentials_and_a_bounded_query(api):
    api.expect_problem(await api.client.get("/v1/knowledge", params={"q": "医保"}), 401)
    headers = api.headers("operator")
    api.expect_problem(await api.client.get("/v1/knowledge", headers=headers), 422, "query.q")
    too_long = await api.client.get("/v1/knowledge", params={"q": "医" * 201}, headers=headers)
    api.expect_problem(too_long, 422, "query.q")
    too_many = await api.client.get(
        "/v1/knowledge", params={"q": "医保", "limit": 50}, headers=headers
    )
    api.expect_problem(too_many, 422, "query.limit")
