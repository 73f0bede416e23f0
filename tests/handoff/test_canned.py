"""`content/canned.yml` fills an untouched table of ready answers once, at the app's start."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from pydantic import SecretStr, ValidationError
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import create_app
from bot.settings import PROJECT_ROOT, Settings
from bot.storage import session_scope
from handoff.audit import record_audit
from handoff.config import load_config, seed_groups
from handoff.desk.canned import CannedFile, CannedSeed, load_canned, seed_canned
from handoff.models import CannedResponse

SHIPPED = PROJECT_ROOT / "content" / "canned.yml"


async def _start_app(database_url: str, canned: Path = SHIPPED) -> None:
    """Start the app as a deployment does (startup contexts included), then stop it."""
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        rasa_url="http://127.0.0.1:9",
        rasa_token=SecretStr("t"),
        handoff_canned=canned,
    )
    server = TestServer(await create_app(settings, run_workers=False), host="127.0.0.1")
    await server.start_server()
    await server.close()


async def _answers(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str | None, str]]:
    async with sessions() as session:
        rows = await session.execute(
            select(CannedResponse.group_code, CannedResponse.title).order_by(CannedResponse.id)
        )
        return [(group, title) for group, title in rows]


def test_shipped_answers_cover_every_group_and_everyone() -> None:
    canned = load_canned(SHIPPED)
    groups = {group.code for group in load_config(PROJECT_ROOT / "content" / "handoff.yml").groups}
    used = {answer.group for answer in canned.responses}
    assert used - {None} <= groups, "an answer names a group content/handoff.yml does not have"
    assert used == groups | {None}, "every group and every operator gets some answers"
    assert all("8 800 100-70-10" in a.text for a in canned.responses if "линия" in a.title)


async def test_first_start_seeds_the_file_and_a_restart_adds_nothing(
    database_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    expected = [(answer.group, answer.title) for answer in load_canned(SHIPPED).responses]
    await _start_app(database_url)
    assert await _answers(sessions) == expected
    await _start_app(database_url)
    assert await _answers(sessions) == expected


async def test_a_table_supervisors_edited_is_left_alone(
    database_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _start_app(database_url)
    async with session_scope(sessions) as session:
        kept = await session.scalar(select(CannedResponse).order_by(CannedResponse.id).limit(1))
        assert kept is not None
        kept.text = "Добрый день! Оператор на связи."
        await session.execute(delete(CannedResponse).where(CannedResponse.id != kept.id))
    await _start_app(database_url)
    async with sessions() as session:
        rows = list(await session.scalars(select(CannedResponse)))
    assert [(row.id, row.text) for row in rows] == [(kept.id, "Добрый день! Оператор на связи.")]


async def test_answers_deleted_to_the_last_one_do_not_come_back(
    database_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _start_app(database_url)
    async with session_scope(sessions) as session:
        await session.execute(delete(CannedResponse))
        await record_audit(session, None, "canned_delete", detail={"canned_id": 1})
    await _start_app(database_url)
    assert await _answers(sessions) == []


async def test_an_own_answer_before_the_first_start_blocks_seeding(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with session_scope(sessions) as session:
        await seed_groups(session, load_config(PROJECT_ROOT / "content" / "handoff.yml"))
        session.add(CannedResponse(group_code=None, title="Своё", text="Здравствуйте!"))
    async with session_scope(sessions) as session:
        assert await seed_canned(session, load_canned(SHIPPED)) == []
        assert await session.scalar(select(func.count(CannedResponse.id))) == 1


async def test_answers_of_an_unknown_group_are_skipped(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    canned = CannedFile(
        responses=[
            CannedSeed(title="Всем", text="Здравствуйте!"),
            CannedSeed(title="Пенсии", text="Уточните СНИЛС.", group="pensions"),
            CannedSeed(title="Доступ", text="Нажмите «Забыли пароль».", group="access"),
        ]
    )
    async with session_scope(sessions) as session:
        await seed_groups(session, load_config(PROJECT_ROOT / "content" / "handoff.yml"))
        assert await seed_canned(session, canned) == ["Всем", "Доступ"]
    assert await _answers(sessions) == [(None, "Всем"), ("access", "Доступ")]


async def test_the_file_is_chosen_by_handoff_canned(
    database_url: str, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    own = tmp_path / "canned.yml"
    own.write_text('responses:\n  - {title: "Привет", text: "Здравствуйте!"}\n', encoding="utf-8")
    await _start_app(database_url, own)
    assert await _answers(sessions) == [(None, "Привет")]


def test_two_answers_with_one_title_in_one_group_are_refused() -> None:
    same = CannedSeed(title="Приветствие", text="Здравствуйте!", group="access")
    with pytest.raises(ValidationError, match="unique"):
        CannedFile(responses=[same, same.model_copy(update={"text": "Добрый день!"})])
    with pytest.raises(ValidationError):
        CannedFile.model_validate({"responses": [{"title": "Опечатка", "txt": "Здравствуйте!"}]})
