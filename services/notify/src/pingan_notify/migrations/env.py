from pingan_common.migrations import run_env
from pingan_notify.models import Base

run_env(Base.metadata)
