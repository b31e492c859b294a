"""Server-side sessions: the browser holds only a random id; the access token stays here.

Kept in the process's memory, which is all "no database of its own beyond sessions" needs for
one console process: a restart signs everyone out, and several replicas need sticky sessions
(docs/console.md). A session ends at its idle limit or when its access token expires,
whichever comes first.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from pingan_common.auth import Principal

Clock = Callable[[], float]


@dataclass
class Session:
    id: str
    principal: Principal
    access_token: str
    token_expires_at: float
    csrf_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    last_seen: float = 0.0

    @property
    def user_name(self) -> str:
        return self.principal.name or self.principal.subject


class SessionStore:
    def __init__(
        self,
        *,
        idle_seconds: float,
        max_sessions: int,
        clock: Clock = time.monotonic,
        wall: Clock = time.time,
    ) -> None:
        self._idle_seconds = idle_seconds
        self._max_sessions = max_sessions
        self._clock = clock
        self._wall = wall
        self._sessions: OrderedDict[str, Session] = OrderedDict()

    def create(self, principal: Principal, access_token: str, token_expires_at: float) -> Session:
        """A new session with fresh id and CSRF token (never reuse one across logins)."""
        while len(self._sessions) >= self._max_sessions:
            self._sessions.popitem(last=False)  # the least recently used goes first
        session = Session(
            id=secrets.token_urlsafe(32),
            principal=principal,
            access_token=access_token,
            token_expires_at=token_expires_at,
            last_seen=self._clock(),
        )
        self._sessions[session.id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        """The live session with this id, touched; None if unknown, idle too long or expired."""
        if not session_id:
            return None
        session = self._sessions.get(session_id)
        if session is None:
            return None
        now = self._clock()
        if now - session.last_seen > self._idle_seconds or self._wall() >= session.token_expires_at:
            del self._sessions[session_id]
            return None
        session.last_seen = now
        self._sessions.move_to_end(session_id)
        return session

    def end(self, session_id: str | None) -> None:
        if session_id:
            self._sessions.pop(session_id, None)

    def __len__(self) -> int:
        return len(self._sessions)
