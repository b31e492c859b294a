from pydantic_settings import SettingsConfigDict

from pingan_common.settings import ServiceSettings


class DispatchSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PINGAN_DISPATCH_", extra="ignore")

    service_name: str = "dispatch"
    port: int = 8002
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/pingan_dispatch"
