"""Who publishes what: each service's contract module (``pingan_common.events.<service>``) lists
the events that service owns, and its ``ServiceDefinition`` must say it publishes exactly those;
every event a service consumes must have a producer.

The event catalog (``pingan_common.events.catalog.EVENT_CLASSES``) is the five contract modules'
``EVENTS`` put together, so a contract module's list is what consumers are told exists.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Sequence
from types import ModuleType

import pytest

from pingan_common.events.catalog import EVENT_CLASSES
from pingan_common.events.envelope import EventEnvelope
from pingan_common.service import ServiceDefinition

SERVICES = ["intake", "dispatch", "mediation", "riskassess", "notify"]


def contract(service: str) -> ModuleType:
    return importlib.import_module(f"pingan_common.events.{service}")


def definition(service: str) -> ServiceDefinition:
    return importlib.import_module(f"pingan_{service}.bootstrap").DEFINITION


def names(classes: Sequence[type[EventEnvelope]] | set[type[EventEnvelope]]) -> list[str]:
    return sorted(cls.__name__ for cls in classes)


def unpublished(service: ServiceDefinition, listed: Sequence[type[EventEnvelope]]) -> list[str]:
    """The events a contract module lists that the service does not declare it publishes."""
    return names(set(listed) - set(service.publishes))


def unowned(service: ServiceDefinition, listed: Sequence[type[EventEnvelope]]) -> list[str]:
    """The events a service declares it publishes that its contract module does not list."""
    return names(set(service.publishes) - set(listed))


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_publishes_every_event_its_contract_module_lists(service: str):
    missing = unpublished(definition(service), contract(service).EVENTS)

    assert missing == [], (
        f"pingan_common.events.{service}.EVENTS lists {missing}, which {service}'s "
        "ServiceDefinition.publishes does not: add them there, or take them out of the contract"
    )


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_publishes_only_events_of_its_own_contract(service: str):
    extra = unowned(definition(service), contract(service).EVENTS)

    assert extra == [], f"{service} publishes {extra}, which its contract module does not list"


def test_every_consumed_event_type_has_a_producer():
    published = {cls for service in SERVICES for cls in definition(service).publishes}
    orphans = {
        f"{service} consumes {cls.__name__}"
        for service in SERVICES
        for cls in definition(service).handlers
        if cls not in published
    }

    assert orphans == set(), f"no service publishes what these consume: {sorted(orphans)}"


def test_the_catalog_is_the_contract_modules_together_each_event_in_one():
    listed = [cls for service in SERVICES for cls in contract(service).EVENTS]

    assert len(listed) == len(set(listed)), "an event class is listed by two contract modules"
    assert set(listed) == set(EVENT_CLASSES)


# -- the checks themselves catch a broken definition ------------------------------------------


def _pretending(service: str, *, publishes: Sequence[type[EventEnvelope]]) -> ServiceDefinition:
    return dataclasses.replace(definition(service), publishes=publishes)


def test_a_contract_event_left_out_of_publishes_is_found():
    listed = contract("mediation").EVENTS
    silent = _pretending("mediation", publishes=[])

    assert unpublished(silent, listed) == names(listed) != []


def test_publishing_another_services_event_is_found():
    riskassess_events = contract("riskassess").EVENTS
    poacher = _pretending(
        "mediation", publishes=[*contract("mediation").EVENTS, riskassess_events[0]]
    )

    assert unowned(poacher, contract("mediation").EVENTS) == [riskassess_events[0].__name__]
