from pydantic_settings import SettingsConfigDict

from pingan_common.settings import ServiceSettings


class MediationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PINGAN_MEDIATION_", extra="ignore")

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
