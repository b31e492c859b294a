"""What one running intake app holds besides the common runtime: built by the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from pingan_common.refdata import load_county
from pingan_common.runtime import Runtime, RuntimeDep
from pingan_intake.duplicates.rules import DuplicateRules
from pingan_intake.places.resolver import PlaceResolver


@dataclass(frozen=True)
class IntakeState:
    places: PlaceResolver
    duplicate_rules: DuplicateRules

    @classmethod
    def build(cls, runtime: Runtime) -> IntakeState:
        return cls(
            places=PlaceResolver(load_county()),
            duplicate_rules=runtime.settings.duplicate_rules(),  # type: ignore[attr-defined]
        )


def intake_state(runtime: Runtime) -> IntakeState:
    state = runtime.state
    assert isinstance(state, IntakeState), "intake's runtime has no IntakeState"
    return state


def _state_dependency(runtime: RuntimeDep) -> IntakeState:
    return intake_state(runtime)


IntakeStateDep = Annotated[IntakeState, Depends(_state_dependency)]
