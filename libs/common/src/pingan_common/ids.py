"""Identifiers: UUIDv7 everywhere, so ids sort by creation time and keyset pages are stable."""

from uuid import UUID

from uuid6 import uuid7


def new_id() -> UUID:
    return UUID(str(uuid7()))
