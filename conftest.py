"""Test tiers by folder: ``*/tests/unit/`` is the fast tier (no I/O), everything else needs the
real PostgreSQL and broker. The ``unit`` marker is applied here, so ``pytest -m unit``
(``make test-fast``) selects exactly the unit tier without each file marking itself."""

import pytest

pytest_plugins = [
    "pingan_common.testing.infra",
    "pingan_common.testing.services",
    "pingan_common.testing.handlers",
]

_TIER_BY_FOLDER = {
    "unit": "unit",
    "service": "service",
    "e2e": "e2e",
    "guarantees": "guarantee",
    "browser": "browser",
    "security": "security",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = item.path.parts
        for folder, marker in _TIER_BY_FOLDER.items():
            if folder in parts and "tests" in parts:
                item.add_marker(marker)
