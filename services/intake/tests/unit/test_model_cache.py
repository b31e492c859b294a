"""The classifier's disk cache: built once, read back on the next start, keyed so that other
data or other code trains again, and never a reason not to start."""

from __future__ import annotations

from pathlib import Path

import pytest

from pingan_intake.classification import model_cache

pytestmark = pytest.mark.unit


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(model_cache.CACHE_DIR_VARIABLE, str(tmp_path))
    return tmp_path


def _builder(calls: list[str], value: object):  # type: ignore[no-untyped-def]
    def build() -> object:
        calls.append("built")
        return value

    return build


def test_a_model_is_built_once_then_read_back(cache: Path) -> None:
    calls: list[str] = []
    first = model_cache.load_or_build("data-1", _builder(calls, {"weights": [1, 2, 3]}))
    second = model_cache.load_or_build("data-1", _builder(calls, {"weights": "other"}))

    assert calls == ["built"]
    assert first == second == {"weights": [1, 2, 3]}
    assert len(list(cache.glob("intake-classifier-*.pickle"))) == 1


def test_other_data_trains_again_and_replaces_the_old_file(cache: Path) -> None:
    calls: list[str] = []
    model_cache.load_or_build("data-1", _builder(calls, "one"))
    other = model_cache.load_or_build("data-2", _builder(calls, "two"))

    assert calls == ["built", "built"] and other == "two"
    assert len(list(cache.glob("intake-classifier-*.pickle"))) == 1


def test_the_key_covers_the_code_as_well_as_the_data() -> None:
    assert model_cache.cache_key("a") != model_cache.cache_key("b")
    assert model_cache.cache_key("a") == model_cache.cache_key("a")
    inputs = [p.name for root in model_cache.INPUTS for p in root.rglob("*") if p.is_file()]
    assert {"rules.py", "taxonomy.json", "calibration.json"} <= set(inputs)


def test_the_hand_written_batches_are_not_inputs_but_their_compiled_file_is() -> None:
    """The model trains on the compiled labelled_tickets.jsonl: a batch being written (not yet
    compiled) made each restart of a running intake train again, five seconds longer."""
    data = model_cache.PACKAGE.parent / "data"
    assert not model_cache._is_input(data / "hand" / "b01_threats.txt")
    assert not model_cache._is_input(data / "hand" / "holdout" / "holdout_threats.txt")
    assert model_cache._is_input(data / "labelled_tickets.jsonl")
    assert model_cache._is_input(model_cache.PACKAGE / "rules.py")


def test_an_unreadable_file_is_rebuilt_and_an_unwritable_place_is_no_failure(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = cache / f"intake-classifier-{model_cache.cache_key('data-1')}.pickle"
    path.write_bytes(b"not a pickle")
    calls: list[str] = []

    assert model_cache.load_or_build("data-1", _builder(calls, "fresh")) == "fresh"
    assert model_cache.load_or_build("data-1", _builder(calls, "again")) == "fresh"
    monkeypatch.setenv(model_cache.CACHE_DIR_VARIABLE, str(path / "inside-a-file"))
    assert model_cache.load_or_build("data-1", _builder(calls, "uncached")) == "uncached"
    assert calls == ["built", "built"]


def test_an_empty_setting_turns_the_cache_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(model_cache.CACHE_DIR_VARIABLE, "")
    calls: list[str] = []
    model_cache.load_or_build("data-1", _builder(calls, 1))
    model_cache.load_or_build("data-1", _builder(calls, 1))
    assert calls == ["built", "built"]
