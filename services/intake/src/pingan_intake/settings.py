from pydantic_settings import SettingsConfigDict

from pingan_common.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PINGAN_INTAKE_", extra="ignore")

    service_name: str = "intake"
    port: int = 8001
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/pingan_intake"
    ticket_number_prefix: str = "QS"
    local_timezone: str = "Asia/Shanghai"
    # Keys the caller-phone hash that other services see; set a real secret in production.
    phone_hash_key: str = "pingan-dev-phone-hash-key"
    # How far a client's clock may run ahead when it tells us when the citizen reported.
    reported_at_max_skew_seconds: int = 300
    # Requests larger than this are refused before parsing (413); a ticket needs a few KB.
    max_body_bytes: int = 256 * 1024
    # Open311 GeoReport v2: the jurisdiction ids this endpoint answers for.
    open311_jurisdictions: tuple[str, ...] = ("qingshan.gov.cn", "331199")
