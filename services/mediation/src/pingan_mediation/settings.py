from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from pingan_common.settings import ServiceSettings


class MediationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PINGAN_MEDIATION_", extra="ignore")
    SECRETS: ClassVar[tuple[str, ...]] = ("contact_reader_key_sha256",)

    service_name: str = "mediation"
    port: int = 8003
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/pingan_mediation"
    # The case clock scanner (warning, overdue, terms due and breached): one pass every
    # interval in every replica (rows are claimed with SKIP LOCKED, so passes never double).
    scanner_enabled: bool = True
    scanner_interval_seconds: float = 30.0
    scanner_batch_size: int = 200
    # The screening scheduler (排查): opens the current week's, fortnight's and month's rounds.
    screening_enabled: bool = True
    screening_interval_seconds: float = 300.0
    # The one service that reads parties' clear phones (notify, for session-notice SMS), by
    # the SHA-256 of its key; the default is the local stack's public notify key
    # (pingan-notify-key-0001). Parties' phones are never in events.
    contact_reader_key_sha256: str = (
        "301d9ebf652bb0222e7f436b78ec1ca56579579a0e033c992d7bbb913d7e0c9f"
    )
    contact_reader_name: str = "notify"
    county_code: str = "331199"
