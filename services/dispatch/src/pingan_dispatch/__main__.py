from pingan_common.cli import run_service_cli
from pingan_dispatch.bootstrap import DEFINITION, create_app
from pingan_dispatch.settings import DispatchSettings

if __name__ == "__main__":
    run_service_cli(DEFINITION, DispatchSettings, create_app)
