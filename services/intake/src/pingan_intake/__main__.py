from pingan_common.cli import run_service_cli
from pingan_intake.bootstrap import DEFINITION, create_app
from pingan_intake.settings import IntakeSettings

if __name__ == "__main__":
    run_service_cli(DEFINITION, IntakeSettings, create_app)
