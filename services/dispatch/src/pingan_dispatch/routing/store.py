"""Rule set versions in the database: the packaged file stored at start-up when newer, admin
edits stored as the next version, exactly one version active.

Versions: the file's own (``2026.11.1``); admin edits of it ``2026.11.1-r1``, ``-r2`` …; a newer
file starts a new line and becomes active (fold admin edits into the file before shipping it).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_dispatch.models import RoutingRuleSet, Unit
from pingan_dispatch.routing.rules import (
    RuleSet,
    RuleSetDocument,
    packaged_rule_set,
    packaged_rules_document,
    parse_rule_set,
    version_key,
)

# Parsed rule sets by version: a stored version never changes.
_parsed_rule_sets: dict[str, RuleSet] = {}


async def active_rule_set(session: AsyncSession) -> RuleSet:
    """The active stored rule set; the packaged one until a set is stored."""
    version = await session.scalar(
        select(RoutingRuleSet.version).where(RoutingRuleSet.active.is_(True))
    )
    if version is None:
        return packaged_rule_set()
    if version not in _parsed_rule_sets:
        document = await session.scalar(
            select(RoutingRuleSet.document).where(RoutingRuleSet.version == version)
        )
        # Stored sets were validated on the way in; only the structure is parsed again.
        parsed = RuleSetDocument.model_validate(document)
        _parsed_rule_sets[version] = RuleSet.from_document(parsed)
    return _parsed_rule_sets[version]


# One writer of rule sets at a time (start-up of several replicas, concurrent admin edits).
_RULE_SET_LOCK = 7_240_201


async def _lock_rule_sets(session: AsyncSession) -> None:
    await session.execute(select(func.pg_advisory_xact_lock(_RULE_SET_LOCK)))


async def store_packaged_rules(session: AsyncSession, now: datetime) -> str | None:
    """Store and activate the packaged rules file if its version is newer than every file
    version stored before; returns the version stored, or None. Admin edits made on an older
    file stay in the history; a newer file supersedes them (fold edits into the file)."""
    document = packaged_rules_document()
    parse_rule_set(document)
    await _lock_rule_sets(session)
    stored = await session.scalars(
        select(RoutingRuleSet.base_version).where(RoutingRuleSet.source == "file")
    )
    if any(version_key(v) >= version_key(document["version"]) for v in stored):
        return None
    await _activate(
        session,
        RoutingRuleSet(
            version=document["version"],
            base_version=document["version"],
            source="file",
            document=document,
            created_at=now,
            created_by="system:rules-file",
            comment="packaged data/routing_rules.json",
        ),
    )
    return document["version"]


async def save_rule_set(
    session: AsyncSession,
    document: Mapping,
    *,
    actor: str,
    now: datetime,
    comment: str | None = None,
    expected_version: str | None = None,
) -> RoutingRuleSet:
    """Validate a whole new rule set, store it as the next version and make it active.

    ``document`` has no version: it becomes ``<base>-r<n>``, the n-th edit of the file version
    the active set descends from. RuleSetInvalid if a principle is broken; a stale
    ``expected_version`` raises RuleSetConflict.
    """
    await _lock_rule_sets(session)
    active = await session.scalar(select(RoutingRuleSet).where(RoutingRuleSet.active.is_(True)))
    active_version = active.version if active else packaged_rule_set().version
    if expected_version is not None and expected_version != active_version:
        raise RuleSetConflict(active_version)
    base = active.base_version if active else packaged_rule_set().version
    edits = await session.scalar(
        select(func.count())
        .select_from(RoutingRuleSet)
        .where(RoutingRuleSet.base_version == base, RoutingRuleSet.source == "admin")
    )
    versioned = {**document, "version": f"{base}-r{int(edits or 0) + 1}"}
    departments = await session.scalars(
        select(Unit.code).where(Unit.kind == "department", Unit.active)
    )
    parse_rule_set(versioned, departments=list(departments))
    stored = RoutingRuleSet(
        version=versioned["version"],
        base_version=base,
        source="admin",
        document=RuleSetDocument.model_validate(versioned).model_dump(mode="json"),
        created_at=now,
        created_by=actor,
        comment=comment,
    )
    await _activate(session, stored)
    return stored


async def _activate(session: AsyncSession, rule_set: RoutingRuleSet) -> None:
    # The partial unique index allows one active set: switch the old one off first.
    await session.execute(
        update(RoutingRuleSet).where(RoutingRuleSet.active.is_(True)).values(active=False)
    )
    rule_set.active = True
    session.add(rule_set)
    await session.flush()


class RuleSetConflict(ValueError):
    def __init__(self, active_version: str) -> None:
        super().__init__(f"the active rule set is {active_version}; reload it and edit again")
        self.active_version = active_version
