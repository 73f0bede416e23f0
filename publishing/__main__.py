"""`python -m publishing train|evaluate ID|publish ID [--override REASON]|rollback|status`.

The same services as the console (lease, gate, audit with no operator), for editors at a
terminal and for CI. A publish from here waits for the switch and the drain.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

import aiohttp

from bot.settings import load_settings
from bot.storage import create_engine, create_session_factory
from handoff.console.texts import console_text
from publishing.blue_green import RasaDidNotStart
from publishing.registry import ModelMissing, list_models, model_view, serving_choice
from publishing.service import GateRefused, NotEvaluated, Publisher
from publishing.settings import PublishSettings
from publishing.training import Trainer, TrainingBusy, TrainingMode

CLI_PROBLEMS: dict[type[Exception], str] = {
    ModelMissing: "model_missing",
    NotEvaluated: "model_not_evaluated",
    TrainingBusy: "training_busy",
    RasaDidNotStart: "rasa_did_not_start",
}


async def run(args: argparse.Namespace) -> int:
    """One command against DATABASE_URL; the exit code says whether it worked."""
    settings = load_settings()
    engine = create_engine(settings.database_url)
    sessions = create_session_factory(engine)
    publish = PublishSettings()
    out: object = None
    try:
        async with aiohttp.ClientSession() as http:
            publisher = Publisher(sessions, publish, http, settings.rasa_token.get_secret_value())
            if args.command == "train":
                trainer = Trainer(sessions, publish, f"cli:{os.getpid()}")
                mode = TrainingMode.FULL if args.full else TrainingMode.QUICK
                model_id = await trainer.start(None, mode)
                await trainer.wait()
                out = {"id": model_id}
            elif args.command == "evaluate":
                out = (await publisher.evaluate(args.id)).as_json()
            elif args.command == "publish":
                out = await publisher.publish(args.id, None, args.override)
            elif args.command == "rollback":
                out = await publisher.rollback(None)
            else:
                async with sessions() as session:
                    choice = await serving_choice(session)
                    out = {
                        "serving": None if choice is None else choice.rasa_url,
                        "models": [
                            {k: v for k, v in model_view(m).items() if k != "report"}
                            for m in await list_models(session)
                        ],
                    }
    except GateRefused as refused:
        sys.stdout.write(json.dumps(refused.verdict, ensure_ascii=False, indent=1) + "\n")
        sys.stderr.write(console_text("gate_refused") + "\n")
        return 2
    except (ModelMissing, NotEvaluated, TrainingBusy, RasaDidNotStart) as problem:
        sys.stderr.write(console_text(CLI_PROBLEMS[type(problem)]) + "\n")
        return 1
    finally:
        await engine.dispose()
    sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=1, default=str) + "\n")
    return 0


def main() -> None:
    """Parse the command line and run it."""
    parser = argparse.ArgumentParser(prog="python -m publishing", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="validate, train and evaluate a candidate")
    train.add_argument(
        "--full",
        action="store_true",
        help="train from scratch (default: fine-tune the serving model when Rasa can)",
    )
    commands.add_parser("evaluate", help="compare with the serving model").add_argument(
        "id", type=int
    )
    publish = commands.add_parser("publish", help="gate, then switch blue/green")
    publish.add_argument("id", type=int)
    publish.add_argument("--override", metavar="REASON", help="publish despite the gate")
    commands.add_parser("rollback", help="publish the model that served before")
    commands.add_parser("status", help="the serving Rasa and every model")
    sys.exit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
