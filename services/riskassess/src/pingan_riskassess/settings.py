from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from pingan_common.settings import ServiceSettings


class RiskassessSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PINGAN_RISKASSESS_", extra="ignore")
    SECRETS: ClassVar[tuple[str, ...]] = ("phone_hash_key",)

    service_name: str = "riskassess"
    port: int = 8004
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/pingan_riskassess"
    # The acknowledgement scanner (re-notify and escalate unacknowledged alerts).
    scanner_enabled: bool = True
    scanner_interval_seconds: float = 30.0
    # The keyed hash of callers' phones and resident IDs: the same secret as intake's
    # (PINGAN_INTAKE_PHONE_HASH_KEY), so a registered key person's number matches a caller's.
    phone_hash_key: str = "pingan-dev-phone-hash-key"
