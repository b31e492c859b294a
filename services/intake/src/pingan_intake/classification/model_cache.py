"""The trained classifier kept on disk between starts, so a restarted intake is ready in seconds.

Training takes about five seconds on this project's two-core machines, more than half of what a
killed service may take to serve again (issue 12: ten seconds). The cache is keyed by the
training data's fingerprint, every file of this package (the rules, the features, the model
code) and of intake's data folder (taxonomy, calibration), and the scikit-learn and Python
versions, so any change that could change an answer
trains again. The file is written by this process for itself (never downloaded or shared);
one that cannot be read is ignored and replaced.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import TypeVar

log = logging.getLogger("pingan.intake.classifier")

T = TypeVar("T")
PACKAGE = Path(__file__).resolve().parent
# What a trained classifier depends on besides its examples: the package's code and the data
# files it reads (taxonomy, calibration, the examples themselves).
INPUTS = (PACKAGE, PACKAGE.parent / "data")
HAND_BATCHES = PACKAGE.parent / "data" / "hand"
CACHE_DIR_VARIABLE = "PINGAN_INTAKE_MODEL_CACHE_DIR"


def cache_dir() -> Path | None:
    """``PINGAN_INTAKE_MODEL_CACHE_DIR`` (empty: no cache), else ~/.cache/pingan."""
    configured = os.environ.get(CACHE_DIR_VARIABLE)
    if configured is not None:
        return Path(configured) if configured else None
    return Path.home() / ".cache" / "pingan"


def cache_key(data_fingerprint: str) -> str:
    digest = hashlib.sha256(data_fingerprint.encode())
    digest.update(f"{sys.version_info[:2]} sklearn {version('scikit-learn')}".encode())
    for root in INPUTS:
        for source in sorted(p for p in root.rglob("*") if p.is_file() and _is_input(p)):
            digest.update(source.relative_to(root.parent).as_posix().encode())
            digest.update(source.read_bytes())
    return digest.hexdigest()[:32]


def _is_input(path: Path) -> bool:
    # data/hand holds the batches that scripts/generate_labelled_tickets.py compiles into
    # labelled_tickets.jsonl; the model reads the compiled file (in the key), never the batches,
    # so editing a batch without compiling it must not retrain a starting intake.
    return (
        "__pycache__" not in path.parts
        and HAND_BATCHES not in path.parents
        and path.suffix not in (".pyc", ".tmp")
    )


def load_or_build(data_fingerprint: str, build: Callable[[], T]) -> T:
    directory = cache_dir()
    if directory is None:
        return build()
    path = directory / f"intake-classifier-{cache_key(data_fingerprint)}.pickle"
    try:
        with path.open("rb") as stored:
            return pickle.load(stored)
    except FileNotFoundError:
        pass
    except Exception:
        log.warning("the cached classifier %s could not be read; training again", path)
    built = build()
    _store(path, built)
    return built


def _store(path: Path, value: object) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as out:
            pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(out.name, path)  # whole or not at all, even with two starting at once
        for older in path.parent.glob("intake-classifier-*.pickle"):
            if older != path:  # a model of other data or code (about 100 MB each)
                older.unlink(missing_ok=True)
    except OSError:
        log.warning("could not cache the classifier in %s; it is trained at each start", path)
