from pingan_common.cli import run_service_cli
from pingan_riskassess.bootstrap import DEFINITION, create_app
from pingan_riskassess.settings import RiskassessSettings

if __name__ == "__main__":
    run_service_cli(DEFINITION, RiskassessSettings, create_app)
