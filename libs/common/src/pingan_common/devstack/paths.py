"""Where the local stack keeps its state: ``.run/`` at the repository root."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path


def find_repo_root(start: Path | None = None) -> Path | None:
    """The nearest directory upwards holding the workspace root ``pyproject.toml``."""
    here = (start or Path.cwd()).absolute()
    for directory in (here, *here.parents):
        pyproject = directory / "pyproject.toml"
        if not pyproject.is_file():
            continue
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            continue
        if "workspace" in data.get("tool", {}).get("uv", {}):
            return directory
    return None


@dataclass(frozen=True)
class RunPaths:
    """Files of one local stack. ``root`` is ``$PINGAN_RUN_DIR`` or ``<repo>/.run``."""

    root: Path
    repo: Path

    @classmethod
    def discover(cls) -> RunPaths:
        repo = find_repo_root() or Path.cwd().absolute()
        override = os.environ.get("PINGAN_RUN_DIR")
        root = Path(override).absolute() if override else repo / ".run"
        return cls(root=root, repo=repo)

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def pg_data(self) -> Path:
        return self.root / "pg"

    @property
    def keys(self) -> Path:
        return self.root / "keys"

    @property
    def pid_file(self) -> Path:
        return self.root / "stack.pid"

    @property
    def state_file(self) -> Path:
        return self.root / "stack.json"

    @property
    def stack_log(self) -> Path:
        return self.logs / "stack.log"

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def ensure(self) -> RunPaths:
        self.logs.mkdir(parents=True, exist_ok=True)
        return self
