from pingan_common.cli import run_service_cli
from pingan_notify.bootstrap import DEFINITION, create_app
from pingan_notify.settings import NotifySettings

if __name__ == "__main__":
    run_service_cli(DEFINITION, NotifySettings, create_app)
