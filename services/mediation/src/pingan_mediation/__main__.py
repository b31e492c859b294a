from pingan_common.cli import run_service_cli
from pingan_mediation.bootstrap import DEFINITION, create_app
from pingan_mediation.settings import MediationSettings

if __name__ == "__main__":
    run_service_cli(DEFINITION, MediationSettings, create_app)
