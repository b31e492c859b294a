from datetime import timedelta

from pydantic_settings import SettingsConfigDict

from pingan_common.settings import ServiceSettings


class DispatchSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PINGAN_DISPATCH_", extra="ignore")

    service_name: str = "dispatch"
    port: int = 8002
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/pingan_dispatch"
    # The deadline scanner (催办 → 督办): one pass every interval, in every replica (passes are
    # safe to run concurrently: rows are claimed with FOR UPDATE SKIP LOCKED).
    scanner_enabled: bool = True
    scanner_interval_seconds: float = 15.0
    scanner_batch_size: int = 500
    # Development only: shift the service's clock, e.g. "P2D" or 172800 (seconds), so a demo
    # shows overdue and escalated tasks without waiting days. Refused in production.
    dev_clock_offset: timedelta = timedelta(0)
    # Load the generated 90-day demo history into the task tables at start-up (KPI demo).
    seed_demo_history: bool = False
