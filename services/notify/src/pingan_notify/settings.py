from datetime import time
from typing import ClassVar, Literal

from pydantic_settings import SettingsConfigDict

from pingan_common.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PINGAN_NOTIFY_", extra="ignore")
    SECRETS: ClassVar[tuple[str, ...]] = (
        "intake_api_key",
        "mediation_api_key",
        "phone_hash_key",
        "police_feedback_webhook_secret",
    )

    service_name: str = "notify"
    port: int = 8005
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/pingan_notify"
    # County-wide notices (e.g. the SMS budget alert) go to this county's admins.
    county_code: str = "331199"

    # Intake gives us the caller's number for receipts and surveys (audited there).
    intake_base_url: str = "http://127.0.0.1:8001"
    intake_api_key: str = "pingan-notify-key-0001"
    intake_timeout_s: float = 5.0
    # Mediation gives us a party's number for a session notice (audited there). The local key
    # is the one whose SHA-256 mediation's PINGAN_MEDIATION_CONTACT_READER_KEY_SHA256 defaults to.
    mediation_base_url: str = "http://127.0.0.1:8003"
    mediation_api_key: str = "pingan-notify-key-0001"
    mediation_timeout_s: float = 5.0
    # Riskassess owns an alert's state: acknowledging in the inbox calls its REST API as the
    # user (their own bearer token), and riskassess's answer decides.
    riskassess_base_url: str = "http://127.0.0.1:8004"
    riskassess_timeout_s: float = 5.0

    # The SMS provider. ``sms_base_url`` is the local gateway simulator, which answers each
    # provider's shape under its own path (/aliyun, /tencent); a real provider's endpoint goes
    # in ``sms_send_url``. The local defaults are the simulator's (not secret) credentials.
    sms_provider: Literal["aliyun", "tencent"] = "aliyun"
    sms_base_url: str = "http://127.0.0.1:8006"
    sms_send_url: str | None = None
    sms_access_key_id: str = "LTAI-pingan-local"
    sms_access_key_secret: str = "pingan-local-aliyun-secret"
    sms_sdk_app_id: str = "1400000001"
    sms_timeout_s: float = 5.0
    # The provider's callbacks (replies, receipts) must carry ?token=<this>; unset, notify takes
    # no callbacks. The local stack makes one per run (.run/keys/sms-callback-token).
    sms_callback_token: str | None = None
    # Keys the hash that matches a citizen's reply to their survey without storing the number.
    phone_hash_key: str = "pingan-notify-dev-phone-hash-key"
    survey_valid_days: int = 7

    # Policies (county time, Asia/Shanghai).
    quiet_hours_start: time = time(22, 0)
    quiet_hours_end: time = time(8, 0)
    sms_rate_limit_per_recipient: int = 5
    sms_rate_limit_window_s: int = 3600
    sms_daily_budget_segments: int = 20_000
    sms_budget_near_ratio: float = 0.8

    # Retries of SMS and webhook deliveries: exponential backoff with full jitter, bounded.
    retry_base_s: float = 10.0
    retry_cap_s: float = 3600.0
    retry_max_attempts: int = 15
    retry_max_total_s: float = 24 * 3600.0

    # Webhooks.
    webhook_timeout_s: float = 10.0
    # Loopback and private-network receivers: for the local stack and tests only (SSRF guard).
    webhook_allow_private_targets: bool = False
    webhook_concurrency_per_endpoint: int = 8
    breaker_failure_threshold: int = 5
    breaker_cool_down_s: float = 60.0
    # The 110 system's subscription to police feedback, seeded at start when a URL is set.
    police_feedback_webhook_url: str | None = None
    police_feedback_webhook_secret: str = "pingan-110-dev-webhook-secret"

    # The delivery worker.
    worker_enabled: bool = True
    worker_poll_interval_ms: int = 500
    # While passes find nothing to do the fallback poll may double up to this; a commit that
    # queues a delivery wakes the worker at once. Off by default (equal to the poll interval):
    # its idle saving was not measurable (docs/performance.md).
    worker_idle_poll_interval_ms: int = 500
    worker_batch_size: int = 100
    worker_concurrency: int = 16
    worker_lease_s: float = 60.0

    # Red and orange alerts are repeated until acknowledged.
    alert_repeat_interval_s: float = 600.0
    alert_repeat_max: int = 6

    # The live stream.
    stream_heartbeat_s: float = 15.0
    stream_replay_limit: int = 500
    stream_queue_size: int = 1000
    # Fan out across replicas with PostgreSQL LISTEN/NOTIFY.
    stream_cross_replica: bool = True

    def sms_endpoint(self) -> str:
        return self.sms_send_url or f"{self.sms_base_url.rstrip('/')}/{self.sms_provider}"
