"""Known incidents and maintenance, self-help, and registered tickets."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.access import ActionPasswordTicket
from actions.demo import INCIDENT_SERVICE, MAINTENANCE_SERVICE
from actions.incidents import ActionRegisterIncident, ActionServiceStatus
from actions.store.models import SupportTicket
from actions.texts import TEXTS
from tests.actions.conftest import (
    FACTS,
    IVANOV_CHAT,
    STRANGER_CHAT,
    clock,
    make_tracker,
    run_action,
    slot_events,
)


async def service_status(sessions: async_sessionmaker[AsyncSession], service: str | None) -> str:
    entities = [{"entity": "service", "value": service}] if service else []
    tracker = make_tracker(STRANGER_CHAT, intent="service_unavailable", entities=entities)
    _, messages = await run_action(ActionServiceStatus(sessions, clock, FACTS), tracker)
    return str(messages[0]["text"])


async def test_a_service_from_an_earlier_topic_does_not_answer_a_new_failure(
    demo: async_sessionmaker[AsyncSession],
) -> None:
    # «статус заявления на загранпаспорт» left `service` = passport (under maintenance); the
    # next message «сайт выдает ошибку 502 при оплате госпошлины» names no service.
    tracker = make_tracker(
        STRANGER_CHAT,
        intent="service_unavailable",
        text="сайт госуслуг выдает ошибку 502 при оплате госпошлины",
        slots={"service": MAINTENANCE_SERVICE},
    )
    events, messages = await run_action(ActionServiceStatus(demo, clock, FACTS), tracker)
    assert messages[0]["text"] == TEXTS.self_help
    assert slot_events(events) == {"service": None}


async def test_known_incident_with_recovery_time(demo: async_sessionmaker[AsyncSession]) -> None:
    text = await service_status(demo, INCIDENT_SERVICE)
    assert text.startswith("Да, мы знаем о проблеме")
    assert "10.03.2026 15:00" in text  # NOW + 3 h, Moscow time


async def test_planned_maintenance(demo: async_sessionmaker[AsyncSession]) -> None:
    text = await service_status(demo, MAINTENANCE_SERVICE)
    assert text.startswith("Плановые технические работы")


async def test_no_incident_gives_self_help(demo: async_sessionmaker[AsyncSession]) -> None:
    assert await service_status(demo, "lk") == TEXTS.self_help
    assert await service_status(demo, None) == TEXTS.self_help


async def test_unknown_failure_becomes_a_numbered_ticket(
    demo: async_sessionmaker[AsyncSession],
) -> None:
    tracker = make_tracker(
        IVANOV_CHAT, slots={"service": "lk", "error_text": "Ошибка 502 Bad Gateway"}
    )
    _, first = await run_action(ActionRegisterIncident(demo, clock, FACTS), tracker)
    _, second = await run_action(ActionRegisterIncident(demo, clock, FACTS), tracker)
    numbers = [re.findall(r"INC-2026-\d{6}", str(m[0]["text"]))[0] for m in (first, second)]
    assert numbers[0] != numbers[1]
    async with demo() as session:
        ticket = (
            await session.execute(select(SupportTicket).where(SupportTicket.number == numbers[0]))
        ).scalar_one()
    assert (ticket.kind, ticket.service_code, ticket.error_text, ticket.sender_id) == (
        "incident",
        "lk",
        "Ошибка 502 Bad Gateway",
        IVANOV_CHAT,
    )


async def test_access_problem_ticket(demo: async_sessionmaker[AsyncSession]) -> None:
    tracker = make_tracker(IVANOV_CHAT, slots={"login_problem": "no_code"})
    _, messages = await run_action(ActionPasswordTicket(demo, clock, FACTS), tracker)
    assert re.search(r"SUP-2026-\d{6}", str(messages[0]["text"]))
