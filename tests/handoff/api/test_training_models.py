"""The model registry's console routes: who may use them, the admin-only override, its refusals.

The services behind train, evaluate, publish and rollback are tested in tests/publishing/.
"""

from __future__ import annotations

from pathlib import Path

import publishing.models  # noqa: F401 - the registry's tables, before `engine` creates them
from bot.storage import session_scope
from publishing.models import ModelStatus
from publishing.registry import add_model
from tests.handoff.api.conftest import Console
from tests.handoff.api.test_review_api import _editors


async def test_an_editor_sees_the_registry_an_operator_does_not(
    console: Console, tmp_path: Path
) -> None:
    model_id = await _model(console, tmp_path)
    (editor,) = await _editors(console, 1)
    status, models = await editor.call("GET", "/api/training/models")
    assert status == 200
    assert [m["id"] for m in models] == [model_id]
    operator = await console.user("op1")
    assert (await operator.call("GET", "/api/training/models"))[0] == 403
    status, _ = await editor.call(
        "POST", f"/api/training/models/{model_id}/override", {"reason": "хочу опубликовать"}
    )
    assert status == 403  # the override is the admin's alone


async def _model(console: Console, tmp_path: Path) -> int:
    path = tmp_path / "candidate.tar.gz"
    path.write_bytes(b"model")
    async with session_scope(console.sessions) as session:
        model = await add_model(
            session, "candidate", path, created_by=None, status=ModelStatus.READY
        )
        return model.id


async def test_an_override_needs_a_written_reason(console: Console, tmp_path: Path) -> None:
    model_id = await _model(console, tmp_path)
    admin = await console.user("adm")
    status, refused = await admin.call(
        "POST", f"/api/training/models/{model_id}/override", {"reason": "надо"}
    )
    assert status == 400
    assert refused["errors"][0]["loc"] == ["reason"]


async def test_an_unevaluated_model_cannot_be_overridden_into_service(
    console: Console, tmp_path: Path
) -> None:
    model_id = await _model(console, tmp_path)
    admin = await console.user("adm")
    status, refused = await admin.call(
        "POST",
        f"/api/training/models/{model_id}/override",
        {"reason": "срочно нужен новый интент"},
    )
    assert status == 409
    assert refused["error"] == "Сначала сравните модель с работающей."


async def test_a_supervisor_may_not_override_the_gate(console: Console, tmp_path: Path) -> None:
    model_id = await _model(console, tmp_path)
    supervisor = await console.user("sup")
    status, _ = await supervisor.call(
        "POST",
        f"/api/training/models/{model_id}/override",
        {"reason": "срочно нужен новый интент"},
    )
    assert status == 403


async def test_the_registry_routes_are_in_the_openapi_document(console: Console) -> None:
    admin = await console.user("adm")
    status, document = await admin.call("GET", "/api/openapi.json")
    assert status == 200
    assert {
        "/api/training/models",
        "/api/training/models/{id}",
        "/api/training/models/{id}/evaluate",
        "/api/training/models/{id}/publish",
        "/api/training/models/{id}/override",
        "/api/training/models/rollback",
    } <= set(document["paths"])
