"""``python -m pingan_console``: serve the console with uvicorn on its configured address."""

from pingan_common.serving import serve
from pingan_console.app import create_app
from pingan_console.settings import ConsoleSettings


def main() -> None:
    settings = ConsoleSettings()
    serve(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
    )


if __name__ == "__main__":
    main()
