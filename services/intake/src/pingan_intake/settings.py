from datetime import timedelta
from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from pingan_common.settings import ServiceSettings
from pingan_intake.duplicates.rules import DuplicateRules


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PINGAN_INTAKE_", extra="ignore")
    SECRETS: ClassVar[tuple[str, ...]] = ("phone_hash_key",)

    service_name: str = "intake"
    port: int = 8001
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/pingan_intake"
    # Per worker process; a registration holds its connection for the whole transaction.
    database_pool_size: int = 20
    # Processes serving the port (``python -m pingan_intake``); 2 uses both cores of a small
    # machine. Each has its own pool, relay (one publishes at a time) and consumer (one group).
    workers: int = 1
    ticket_number_prefix: str = "QS"
    # Keys the caller-phone hash that other services see; set a real secret in production.
    phone_hash_key: str = "pingan-dev-phone-hash-key"
    # How far a client's clock may run ahead when it tells us when the citizen reported.
    reported_at_max_skew_seconds: int = 300
    # Requests larger than this are refused before parsing (413); a ticket needs a few KB.
    max_body_bytes: int = 256 * 1024
    # A resolved API key is kept this long (api_clients.py): a deactivated key works until then.
    api_key_cache_seconds: float = 30
    # Open311 GeoReport v2: the jurisdiction ids this endpoint answers for.
    open311_jurisdictions: tuple[str, ...] = ("qingshan.gov.cn", "331199")

    # Duplicates (duplicates/rules.py): the same caller about the same matter within the window is a
    # repeat call (重复来电), the third one flagged prominently; a different caller about one
    # matter at one place within hours is merged into the master ticket (并单).
    repeat_window_days: float = 30
    repeat_third_call_count: int = 3
    repeat_similarity: float = 0.45
    merge_window_hours: float = 6
    merge_distance_m: float = 300
    merge_similarity: float = 0.2

    def duplicate_rules(self) -> DuplicateRules:
        return DuplicateRules(
            repeat_window=timedelta(days=self.repeat_window_days),
            third_call_count=self.repeat_third_call_count,
            repeat_similarity=self.repeat_similarity,
            merge_window=timedelta(hours=self.merge_window_hours),
            merge_distance_m=self.merge_distance_m,
            merge_similarity=self.merge_similarity,
        )
