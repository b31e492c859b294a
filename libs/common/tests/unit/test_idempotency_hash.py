"""Request hashes: the same request hashes the same whatever its key order; another differs."""

from __future__ import annotations

from pydantic import BaseModel

from pingan_common.auth import Principal
from pingan_common.idempotency import IdempotentRequest, request_hash


class Body(BaseModel):
    description: str
    urgent: bool = False


def test_the_same_fields_in_another_order_hash_the_same() -> None:
    assert request_hash({"a": 1, "b": [1, 2]}) == request_hash({"b": [1, 2], "a": 1})


def test_another_value_hashes_differently() -> None:
    assert request_hash({"a": 1}) != request_hash({"a": 2})


def test_a_model_hashes_as_its_json() -> None:
    assert request_hash(Body(description="路灯坏了")) == request_hash(
        {"urgent": False, "description": "路灯坏了"}
    )


def test_no_key_means_no_idempotent_request() -> None:
    assert IdempotentRequest.of(None, scope="x", principal="p", body={}) is None
    assert IdempotentRequest.of("", scope="x", principal="p", body={}) is None


def test_the_principal_is_recorded_by_subject() -> None:
    principal = Principal("operator1", "话务员", roles={"operator"}, area_code="331199")
    request = IdempotentRequest.of("k", scope="ticket.create", principal=principal, body={})
    assert request is not None and request.principal == "operator1"
