"""The rasa_sdk action server for the `actions` package: `python -m actions.server --port 5055`."""

from __future__ import annotations

import argparse
import logging

from rasa_sdk.constants import DEFAULT_SERVER_PORT
from rasa_sdk.endpoint import run
from rasa_sdk.executor import ActionExecutor


def main(argv: list[str] | None = None) -> None:
    """Register every action of the package and serve them."""
    parser = argparse.ArgumentParser(description="Госпомощник action server")
    parser.add_argument("--port", type=int, default=DEFAULT_SERVER_PORT)
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level)
    executor = ActionExecutor()
    executor.register_package("actions")
    run(executor, port=args.port)


if __name__ == "__main__":
    main()
