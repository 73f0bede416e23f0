"""Evaluate against the serving model, gate, publish blue/green, roll back — each one audited.

Audit actions: `model_publish`, `model_refused`, `model_override`, `model_rollback`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import session_scope
from handoff.audit import record_audit
from publishing.blue_green import start_rasa, stop_rasa
from publishing.evaluate import evaluate_model
from publishing.gate import Verdict, judge
from publishing.models import ModelStatus, TrainedModel
from publishing.registry import (
    ModelMissing,
    get_model,
    move,
    rollback_target,
    serving_choice,
    serving_model,
    switch_serving,
)
from publishing.settings import PublishSettings


class GateRefused(Exception):
    """The candidate is worse than the serving model; the verdict says where."""

    def __init__(self, verdict: dict[str, Any]) -> None:
        super().__init__("gate refused")
        self.verdict = verdict


class NotEvaluated(Exception):
    """A model must be evaluated against the serving one before it is published."""


@dataclass
class Publisher:
    """Everything a publish needs: the database, Rasa's token and where Rasa runs."""

    sessions: async_sessionmaker[AsyncSession]
    settings: PublishSettings
    http: aiohttp.ClientSession
    rasa_token: str

    async def evaluate(self, model_id: int) -> Verdict:
        """Score the candidate (if not yet) and the serving model; store the gate's verdict."""
        async with session_scope(self.sessions) as session:
            candidate = await get_model(session, model_id)
            report = dict(candidate.report or {})
            serving = await serving_model(session)
            serving_path = Path(serving.path) if serving is not None else None
            serving_report = (serving.report or {}).get("candidate") if serving else None
        if "candidate" not in report:
            report["candidate"] = await evaluate_model(Path(candidate.path), self.settings)
        if serving_path is not None and serving_report is None:
            serving_report = await evaluate_model(serving_path, self.settings)
        verdict = judge(
            report["candidate"],
            serving_report,
            overall_tolerance=self.settings.gate_overall_tolerance,
            recall_tolerance=self.settings.gate_intent_recall_tolerance,
            min_lost=self.settings.gate_min_lost_phrases,
            strict_sets=frozenset(path.name for path in self.settings.gate_strict_sets),
        )
        report["serving"] = serving_report
        report["verdict"] = verdict.as_json()
        async with session_scope(self.sessions) as session:
            (await get_model(session, model_id)).report = report
        return verdict

    async def publish(
        self, model_id: int, operator_id: int | None, override_reason: str | None = None
    ) -> dict[str, Any]:
        """Gate, then switch blue/green."""
        await self.gate(model_id, operator_id, override_reason)
        return await self.switch(model_id, operator_id, "model_publish")

    async def gate(
        self, model_id: int, operator_id: int | None, override_reason: str | None = None
    ) -> None:
        """Raise GateRefused for a worse candidate unless overridden; both are audited."""
        async with session_scope(self.sessions) as session:
            model = await get_model(session, model_id)
            verdict = (model.report or {}).get("verdict")
            if verdict is None:
                raise NotEvaluated
            if not verdict["passed"]:
                if override_reason is None:
                    if model.status == ModelStatus.READY:
                        move(model, ModelStatus.REJECTED)
                    await record_audit(
                        session, operator_id, "model_refused", detail=_detail(model, verdict)
                    )
                    await session.commit()
                    raise GateRefused(verdict)
                await record_audit(
                    session,
                    operator_id,
                    "model_override",
                    detail={**_detail(model, verdict), "reason": override_reason},
                )

    async def rollback(self, operator_id: int | None) -> dict[str, Any]:
        """Publish the model that served before, the same blue/green way (no gate: it served)."""
        return await self.switch(await self.rollback_id(), operator_id, "model_rollback")

    async def rollback_id(self) -> int:
        """The id of the model a rollback publishes."""
        async with self.sessions() as session:
            target = await rollback_target(session)
            if target is None:
                raise ModelMissing("no retired model on disk")
            return target.id

    async def switch(self, model_id: int, operator_id: int | None, action: str) -> dict[str, Any]:
        """Start the new Rasa, point every instance at it, drain and stop the old one."""
        async with self.sessions() as session:
            model = await get_model(session, model_id)
            path = Path(model.path)
            old = await serving_choice(session)
            old_pid = old.pid if old is not None else None
        started = await start_rasa(self.http, path, self.settings, self.rasa_token)
        try:
            async with session_scope(self.sessions) as session:
                model = await get_model(session, model_id)
                choice = await switch_serving(session, model, started.url, started.pid)
                detail = {"model_id": model.id, "model": model.name, "rasa_url": started.url}
                await record_audit(session, operator_id, action, detail=detail)
                generation = choice.generation
        except BaseException:
            stop_rasa(started.pid)
            raise
        if old_pid is not None:
            await asyncio.sleep(self.settings.drain_s)  # followers switch, in-flight turns end
            stop_rasa(old_pid)
        return {**detail, "generation": generation, "pid": started.pid, "stopped": old_pid}


def _detail(model: TrainedModel, verdict: dict[str, Any]) -> dict[str, Any]:
    return {"model_id": model.id, "model": model.name, "regressions": verdict["regressions"]}
