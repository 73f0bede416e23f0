"""The review API: clusters, context, decisions, two editors at once, revert, diff and write."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from bot.settings import PROJECT_ROOT
from tests.handoff.api.conftest import Console, ConsoleUser
from tests.support import queue_doubts

CONVERSATION = "webchat:rv"


@pytest.fixture(autouse=True)  # before the console's app is built: it reads TRAINING_ROOT
def training_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The API writes into a copy of data/nlu, not into the checkout."""
    shutil.copytree(PROJECT_ROOT / "data" / "nlu", tmp_path / "data" / "nlu")
    monkeypatch.setenv("TRAINING_ROOT", str(tmp_path))
    return tmp_path


async def _queue(console: Console, *texts: str) -> None:
    await queue_doubts(
        console.sessions, CONVERSATION, list(texts), confidence=0.31, bot_reply="Не понял"
    )


async def _editors(console: Console, count: int) -> list[ConsoleUser]:
    admin = await console.user("adm")
    users = []
    for index in range(count):
        body = {
            "login": f"ed{index}",
            "name": f"Редактор {index}",
            "password": "пароль-редактора",
            "role": "editor",
            "max_chats": 1,
            "groups": [],
            "active": True,
        }
        assert (await admin.call("POST", "/api/operators", body))[0] == 201
        user = await console.user()
        assert (await user.login(f"ed{index}", "пароль-редактора"))[0] == 200
        users.append(user)
    return users


async def test_an_editor_assigns_a_cluster_and_sees_it_in_the_diff(
    console: Console, training_root: Path
) -> None:
    await _queue(console, "где мое заявление 1234567890", "где моё заявление", "сайт лежит")
    (editor,) = await _editors(console, 1)
    status, clusters = await editor.call("GET", "/api/review/clusters")
    assert status == 200
    assert [[item["text"] for item in c["items"]] for c in clusters] == [
        ["где мое заявление <номер обращения>", "где моё заявление"],
        ["сайт лежит"],
    ]
    first = clusters[0]["items"][0]
    assert (first["intent"], first["confidence"], first["channel"], first["reasons"]) == (
        "nlu_fallback",
        0.31,
        "webchat",
        ["fallback"],
    )
    status, lines = await editor.call("GET", f"/api/review/items/{first['id']}/context")
    assert [(line["author"], line["text"], line["queued"]) for line in lines][:2] == [
        ("citizen", "где мое заявление <номер обращения>", True),
        ("bot", "Не понял", False),
    ]
    chosen = [{"id": i["id"], "version": i["version"]} for i in clusters[0]["items"]]
    status, examples = await editor.call(
        "POST", "/api/review/decisions", {"items": chosen, "intent": "appeal_status"}
    )
    assert status == 201
    assert len(examples) == 2
    status, diff = await editor.call("GET", "/api/review/diff")
    (change,) = diff["files"]
    assert change["path"] == "data/nlu/reviewed/core.yml"
    assert "+      - где мое заявление <номер обращения>" in change["diff"]
    assert (await editor.call("POST", "/api/review/write"))[0] == 200
    written = YAML(typ="safe").load((training_root / change["path"]).read_text(encoding="utf-8"))
    assert written["nlu"][0]["intent"] == "appeal_status"
    assert (await editor.call("GET", "/api/review/diff"))[1] == {"files": []}
    remaining = (await editor.call("GET", "/api/review/clusters"))[1]
    assert [c["items"][0]["text"] for c in remaining] == ["сайт лежит"]


async def test_two_editors_at_once_the_second_is_refused_not_overwriting(
    console: Console, training_root: Path
) -> None:
    await _queue(console, "куда жмакать")
    first, second = await _editors(console, 2)
    (cluster,) = (await first.call("GET", "/api/review/clusters"))[1]
    item = {"id": cluster["items"][0]["id"], "version": cluster["items"][0]["version"]}
    assert (
        await first.call(
            "POST", "/api/review/decisions", {"items": [item], "intent": "password_reset"}
        )
    )[0] == 201
    status, body = await second.call("POST", "/api/review/decisions", {"items": [item]})
    assert status == 409
    assert (
        body["error"] == "Эти сообщения уже изменил другой редактор. Обновите список и повторите."
    )
    examples = (await first.call("GET", "/api/review/examples"))[1]
    assert [(e["text"], e["intent"]) for e in examples] == [("куда жмакать", "password_reset")]


async def test_a_text_that_already_means_another_intent_is_refused_and_nothing_changes(
    console: Console, training_root: Path
) -> None:
    """«сайт лежит» is a hand-written service_unavailable example (case and spacing folded)."""
    await _queue(console, "Сайт  лежит", "где мой паспорт")
    (editor,) = await _editors(console, 1)
    clusters = (await editor.call("GET", "/api/review/clusters"))[1]
    items = {c["items"][0]["text"]: c["items"][0] for c in clusters}
    site = {"id": items["Сайт  лежит"]["id"], "version": items["Сайт  лежит"]["version"]}
    status, body = await editor.call(
        "POST", "/api/review/decisions", {"items": [site], "intent": "goodbye"}
    )
    assert status == 400
    assert body["error"].startswith("«Сайт  лежит» уже пример намерения service_unavailable")
    assert (await editor.call("GET", "/api/review/examples"))[1] == []
    still = (await editor.call("GET", "/api/review/clusters"))[1]
    assert {c["items"][0]["text"] for c in still} == {"Сайт  лежит", "где мой паспорт"}
    assert (
        await editor.call(
            "POST", "/api/review/decisions", {"items": [site], "intent": "service_unavailable"}
        )
    )[0] == 201  # the same intent is no conflict (the writer leaves the duplicate out)


async def test_an_accepted_example_is_reverted_once_and_leaves_the_files(
    console: Console, training_root: Path
) -> None:
    await _queue(console, "куда жмакать")
    first, second = await _editors(console, 2)
    (cluster,) = (await first.call("GET", "/api/review/clusters"))[1]
    item = {"id": cluster["items"][0]["id"], "version": cluster["items"][0]["version"]}
    (example,) = (
        await first.call(
            "POST", "/api/review/decisions", {"items": [item], "intent": "password_reset"}
        )
    )[1]
    assert (await first.call("POST", "/api/review/write"))[0] == 200
    path = f"/api/review/examples/{example['id']}/revert"
    assert (await first.call("POST", path, {"version": example["version"]}))[0] == 204
    status, body = await second.call("POST", path, {"version": example["version"]})
    assert status == 409
    assert "другой редактор" in body["error"]
    (history,) = (await first.call("GET", "/api/review/examples"))[1]
    assert history["reverted_at"] is not None, "the record stays, marked reverted"
    (change,) = (await first.call("GET", "/api/review/diff"))[1]["files"]
    assert "-      - куда жмакать" in change["diff"]


async def test_a_new_intent_needs_an_answer_and_a_free_name(
    console: Console, training_root: Path
) -> None:
    await _queue(console, "как получить загранпаспорт", "загранпаспорт ребенку")
    (editor,) = await _editors(console, 1)
    clusters = (await editor.call("GET", "/api/review/clusters"))[1]
    items = [{"id": i["id"], "version": i["version"]} for c in clusters for i in c["items"]]
    new = {"items": items, "intent": "foreign_passport"}
    status, body = await editor.call("POST", "/api/review/decisions", {**new, "new_answer": " "})
    assert status == 400
    assert body["error"] == "Для нового намерения нужен текст ответа бота."
    status, body = await editor.call(
        "POST", "/api/review/decisions", {**new, "intent": "greet", "new_answer": "Привет"}
    )
    assert status == 400
    assert "уже есть" in body["error"]
    status, _ = await editor.call(
        "POST", "/api/review/decisions", {**new, "new_answer": "Загранпаспорт оформляют…"}
    )
    assert status == 201
    assert "foreign_passport" in (await editor.call("GET", "/api/review/intents"))[1]["intents"]
    (change,) = (await editor.call("GET", "/api/review/diff"))[1]["files"]
    assert change["path"] == "data/nlu/reviewed/new.yml"
    status, body = await editor.call(
        "POST", "/api/review/decisions", {"items": items, "intent": "no_such_intent"}
    )
    assert status == 400
    assert body["error"].startswith("Такого намерения нет")
