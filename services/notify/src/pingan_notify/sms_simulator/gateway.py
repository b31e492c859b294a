"""The simulated gateway's state: configuration, controls, the messages and receipts it has
recorded, and the checks it applies to each send."""

from __future__ import annotations

import itertools
import os
import re
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

from pingan_notify.sms.providers import national_number
from pingan_notify.sms.segments import count_segments
from pingan_notify.templates.catalog import default_catalog, fill

# The local stack's credentials (not secrets: they only ever open this simulator).
LOCAL_ALIYUN_ACCESS_KEY_ID = "LTAI-pingan-local"
LOCAL_ALIYUN_ACCESS_KEY_SECRET = "pingan-local-aliyun-secret"
LOCAL_TENCENT_SECRET_ID = "AKID-pingan-local"
LOCAL_TENCENT_SECRET_KEY = "pingan-local-tencent-secret"
LOCAL_TENCENT_SDK_APP_ID = "1400000001"

MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
CHINA = timezone(timedelta(hours=8))
ENV_PREFIX = "PINGAN_SMS_SIM_"


@dataclass(frozen=True)
class SimTemplate:
    body: str
    variables: tuple[str, ...]


def catalog_templates() -> dict[str, SimTemplate]:
    """The SMS templates "approved" at the provider: those of the shipped catalog."""
    return {
        code: SimTemplate(t.body, tuple(t.variables))
        for code, t in default_catalog().by_template_code().items()
    }


@dataclass
class SimulatorConfig:
    aliyun_access_key_id: str = LOCAL_ALIYUN_ACCESS_KEY_ID
    aliyun_access_key_secret: str = LOCAL_ALIYUN_ACCESS_KEY_SECRET
    tencent_secret_id: str = LOCAL_TENCENT_SECRET_ID
    tencent_secret_key: str = LOCAL_TENCENT_SECRET_KEY
    tencent_sdk_app_id: str = LOCAL_TENCENT_SDK_APP_ID
    templates: dict[str, SimTemplate] = field(default_factory=catalog_templates)
    receipt_callback_url: str | None = None
    inbound_callback_url: str | None = None
    # Both providers refuse requests signed too long ago (Aliyun 15 min, Tencent 5 min).
    signature_tolerance_s: int = 300

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> SimulatorConfig:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {
            name: env[ENV_PREFIX + name.upper()]
            for name in (
                "aliyun_access_key_id",
                "aliyun_access_key_secret",
                "tencent_secret_id",
                "tencent_secret_key",
                "tencent_sdk_app_id",
                "receipt_callback_url",
                "inbound_callback_url",
            )
            if ENV_PREFIX + name.upper() in env
        }
        return cls(**values)


class Provider(StrEnum):
    ALIYUN = "aliyun"
    TENCENT = "tencent"


class Rejection(StrEnum):
    BAD_NUMBER = "bad_number"
    BAD_SIGN = "bad_sign"
    BAD_TEMPLATE = "bad_template"
    BAD_PARAMS = "bad_params"
    THROTTLED = "throttled"


@dataclass
class Controls:
    fail_next: int = 0
    fail_status: int = 500
    delay_ms: int = 0
    rate_limit_per_minute: int | None = None
    receipt_callback_url: str | None = None
    inbound_callback_url: str | None = None


@dataclass
class SimulatedMessage:
    message_id: str
    provider: str
    to: str
    sign_name: str
    template_code: str
    params: dict[str, str]
    text: str
    segments: int
    received_at: str
    status: str = "DELIVERED"


@dataclass
class Receipt:
    message_id: str
    provider: str
    to: str
    status: str
    send_time: str
    report_time: str
    segments: int


class Gateway:
    """The simulator's state. Every mutation holds one lock: handlers run on uvicorn's loop while
    a test may inspect or reset it from its own thread."""

    def __init__(self, config: SimulatorConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.messages: list[SimulatedMessage] = []
        self.receipts: list[Receipt] = []
        self.controls = self._default_controls()
        self._sent_at: dict[str, deque[float]] = defaultdict(deque)
        self._nonces: dict[str, float] = {}

    def _default_controls(self) -> Controls:
        return Controls(
            receipt_callback_url=self.config.receipt_callback_url,
            inbound_callback_url=self.config.inbound_callback_url,
        )

    # --- control ---

    def update_controls(self, changes: dict[str, Any]) -> Controls:
        with self._lock:
            for name, value in changes.items():
                setattr(self.controls, name, value)
            return Controls(**asdict(self.controls))

    def reset_controls(self) -> None:
        with self._lock:
            self.controls = self._default_controls()

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.receipts.clear()
            self._sent_at.clear()

    def take_failure(self) -> int | None:
        """The status to fail this request with, if a failure was ordered."""
        with self._lock:
            if self.controls.fail_next <= 0:
                return None
            self.controls.fail_next -= 1
            return self.controls.fail_status

    def fresh_nonce(self, nonce: str) -> bool:
        """False when the nonce was used within the tolerance (a replayed request)."""
        now = self.clock()
        with self._lock:
            horizon = now - self.config.signature_tolerance_s
            for old in [n for n, at in self._nonces.items() if at < horizon]:
                del self._nonces[old]
            if nonce in self._nonces:
                return False
            self._nonces[nonce] = now
            return True

    # --- sending ---

    def accept(
        self,
        provider: Provider,
        phone: str,
        sign_name: str,
        template_code: str,
        params: dict[str, str] | list[str],
    ) -> SimulatedMessage | Rejection:
        to = national_number(phone)
        if not MAINLAND_MOBILE.match(to):
            return Rejection.BAD_NUMBER
        if not sign_name.strip():
            return Rejection.BAD_SIGN
        template = self.config.templates.get(template_code)
        if template is None:
            return Rejection.BAD_TEMPLATE
        named = named_params(template, params)
        if named is None:
            return Rejection.BAD_PARAMS
        text = f"【{sign_name}】{fill(template.body, named)}"
        with self._lock:
            if self._throttled(to):
                return Rejection.THROTTLED
            now = self.clock()
            self._sent_at[to].append(now)
            message = SimulatedMessage(
                message_id=self._message_id(provider),
                provider=provider.value,
                to=to,
                sign_name=sign_name,
                template_code=template_code,
                params=named,
                text=text,
                segments=count_segments(text),
                received_at=iso_utc(now),
            )
            self.messages.append(message)
            self.receipts.append(
                Receipt(
                    message_id=message.message_id,
                    provider=message.provider,
                    to=to,
                    status="DELIVERED",
                    send_time=message.received_at,
                    report_time=iso_utc(now),
                    segments=message.segments,
                )
            )
            return message

    def _throttled(self, to: str) -> bool:
        limit = self.controls.rate_limit_per_minute
        if limit is None:
            return False
        window = self._sent_at[to]
        now = self.clock()
        while window and window[0] <= now - 60:
            window.popleft()
        return len(window) >= limit

    def _message_id(self, provider: Provider) -> str:
        n = next(self._ids)
        if provider is Provider.ALIYUN:
            return f"{int(self.clock() * 1000)}{n:06d}^0"
        return f"2433:{secrets.randbelow(10**12):012d}{n:08d}"

    # --- inspection ---

    def messages_to(self, to: str | None) -> list[SimulatedMessage]:
        with self._lock:
            if to is None:
                return list(self.messages)
            return [m for m in self.messages if m.to == national_number(to)]

    def receipts_to(self, to: str | None) -> list[Receipt]:
        with self._lock:
            if to is None:
                return list(self.receipts)
            return [r for r in self.receipts if r.to == national_number(to)]

    def last_provider_for(self, to: str) -> Provider:
        sent = self.messages_to(to)
        return Provider(sent[-1].provider) if sent else Provider.ALIYUN


def named_params(template: SimTemplate, params: dict[str, str] | list[str]) -> dict | None:
    """The parameters by variable name, or None when they don't fit the template."""
    if isinstance(params, list):
        if len(params) != len(template.variables):
            return None
        return dict(zip(template.variables, (str(p) for p in params), strict=True))
    if any(name not in params for name in template.variables):
        return None
    return {name: str(params[name]) for name in template.variables}


def iso_utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def china_time(iso: str) -> str:
    """Providers report times as China-local ``YYYY-MM-DD HH:MM:SS``."""
    return datetime.fromisoformat(iso).astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")
