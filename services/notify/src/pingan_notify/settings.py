from pydantic_settings import SettingsConfigDict

from pingan_common.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PINGAN_NOTIFY_", extra="ignore")

    service_name: str = "notify"
    port: int = 8005
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/pingan_notify"
