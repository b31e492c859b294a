"""The session store: ids are random and unguessable, sessions end when idle or when their
token expires, the oldest go first when the store is full, and logging out ends one."""

from __future__ import annotations

from pingan_common.auth import Principal
from pingan_console.sessions.routes import _safe_next
from pingan_console.sessions.store import SessionStore


class Clocks:
    def __init__(self) -> None:
        self.monotonic = 1000.0
        self.wall = 1_800_000_000.0

    def advance(self, seconds: float) -> None:
        self.monotonic += seconds
        self.wall += seconds


def store(clocks: Clocks, *, idle: float = 60, size: int = 10) -> SessionStore:
    return SessionStore(
        idle_seconds=idle,
        max_sessions=size,
        clock=lambda: clocks.monotonic,
        wall=lambda: clocks.wall,
    )


OPERATOR = Principal(
    subject="operator1", name="王芳", roles=frozenset({"operator"}), area_code="331199"
)


def test_a_new_session_is_found_by_its_id_and_has_its_own_csrf_token() -> None:
    clocks = Clocks()
    sessions = store(clocks)
    first = sessions.create(OPERATOR, "token-a", clocks.wall + 3600)
    second = sessions.create(OPERATOR, "token-b", clocks.wall + 3600)
    assert sessions.get(first.id) is first
    assert first.id != second.id and first.csrf_token != second.csrf_token
    assert len(first.id) >= 40  # 32 random bytes, url-safe


def test_unknown_and_empty_ids_find_nothing() -> None:
    sessions = store(Clocks())
    assert sessions.get(None) is None
    assert sessions.get("") is None
    assert sessions.get("not-a-session") is None


def test_a_session_ends_after_the_idle_limit_but_activity_keeps_it() -> None:
    clocks = Clocks()
    sessions = store(clocks, idle=60)
    session = sessions.create(OPERATOR, "t", clocks.wall + 3600)
    clocks.advance(50)
    assert sessions.get(session.id) is session  # touched: the idle clock restarts
    clocks.advance(50)
    assert sessions.get(session.id) is session
    clocks.advance(61)
    assert sessions.get(session.id) is None
    assert len(sessions) == 0


def test_a_session_never_outlives_its_access_token() -> None:
    clocks = Clocks()
    sessions = store(clocks, idle=3600)
    session = sessions.create(OPERATOR, "t", clocks.wall + 30)
    clocks.advance(29)
    assert sessions.get(session.id) is session
    clocks.advance(2)
    assert sessions.get(session.id) is None


def test_when_full_the_least_recently_used_session_goes() -> None:
    clocks = Clocks()
    sessions = store(clocks, size=2)
    oldest = sessions.create(OPERATOR, "1", clocks.wall + 3600)
    middle = sessions.create(OPERATOR, "2", clocks.wall + 3600)
    sessions.get(oldest.id)  # used again: now the middle one is the least recent
    newest = sessions.create(OPERATOR, "3", clocks.wall + 3600)
    assert sessions.get(middle.id) is None
    assert sessions.get(oldest.id) is oldest
    assert sessions.get(newest.id) is newest


def test_logging_out_ends_the_session() -> None:
    clocks = Clocks()
    sessions = store(clocks)
    session = sessions.create(OPERATOR, "t", clocks.wall + 3600)
    sessions.end(session.id)
    assert sessions.get(session.id) is None
    sessions.end(session.id)  # twice is harmless
    sessions.end(None)


def test_after_login_only_paths_on_this_site_are_followed() -> None:
    assert _safe_next("/dispatch?queue=overdue") == "/dispatch?queue=overdue"
    for hostile in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"):
        assert _safe_next(hostile) == "/"
