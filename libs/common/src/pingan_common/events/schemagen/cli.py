"""The command line: ``python -m pingan_common.events.schemagen [--check] [--root R]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pingan_common.events.schemagen.files import (
    breaking_against,
    breaking_message,
    check_files,
    find_repo_root,
    generate_files,
    orphan_schemas,
    write_files,
)
from pingan_common.events.schemagen.info import COMMAND, schema_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pingan_common.events.schemagen",
        description="Generate event JSON Schemas, docs/events.md and docs/asyncapi.json.",
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if any file is stale"
    )
    parser.add_argument("--root", type=Path, help="repository root (default: found upwards)")
    parser.add_argument(
        "--allow-breaking",
        action="store_true",
        help="overwrite a checked-in schema with a breaking one (only for unreleased versions)",
    )
    args = parser.parse_args(argv)
    root = (args.root or find_repo_root()).resolve()
    files = generate_files()

    if args.check:
        problems = check_files(root, files)
        if problems:
            print("schemagen --check: generated event files are not current:", file=sys.stderr)
            for problem in problems:
                print(f"  {problem}", file=sys.stderr)
            if breaking_against(root):
                print("Breaking changes need a new event version, not new files.", file=sys.stderr)
            print(f"Run `{COMMAND}` and commit the result.", file=sys.stderr)
            return 1
        print(f"schemagen --check: {len(files)} generated files are up to date")
        return 0

    breaking = breaking_against(root)
    if breaking and not args.allow_breaking:
        print("schemagen: refusing to overwrite published schemas:", file=sys.stderr)
        for event_type, problems in breaking.items():
            print(breaking_message(event_type, problems), file=sys.stderr)
        print("(--allow-breaking overrides this for a version never released)", file=sys.stderr)
        return 2
    written = write_files(root, files)
    for relative in written:
        print(f"wrote {relative}")
    for event_type in orphan_schemas(root):
        print(
            f"warning: {schema_path(event_type)} has no model; published types must stay",
            file=sys.stderr,
        )
    if not written:
        print(f"schemagen: {len(files)} generated files already up to date")
    return 0
