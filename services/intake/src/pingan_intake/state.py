"""What one running intake app holds besides the common runtime: built by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from pingan_common.refdata import load_county
from pingan_common.runtime import Runtime
from pingan_intake.api_clients import ApiClientCache
from pingan_intake.duplicates.rules import DuplicateRules
from pingan_intake.places.resolver import PlaceResolver
from pingan_intake.settings import IntakeSettings


@dataclass(frozen=True)
class IntakeState:
    settings: IntakeSettings  # the runtime's, with intake's own fields typed
    places: PlaceResolver
    duplicate_rules: DuplicateRules
    api_clients: ApiClientCache

    @classmethod
    def build(cls, runtime: Runtime) -> IntakeState:
        settings = runtime.settings
        assert isinstance(settings, IntakeSettings), "intake runs on IntakeSettings"
        return cls(
            settings=settings,
            places=PlaceResolver(load_county()),
            duplicate_rules=settings.duplicate_rules(),
            api_clients=ApiClientCache(runtime.transaction, settings.api_key_cache_seconds),
        )


def intake_state(runtime: Runtime) -> IntakeState:
    state = runtime.state
    assert isinstance(state, IntakeState), "intake's runtime has no IntakeState"
    return state
