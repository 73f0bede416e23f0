"""Walks every table of the product (and Rasa's tracker store) for traces of one chat.

The tables come from `Base.metadata.sorted_tables`, so a table added later is walked too.
A trace is a cell equal to the chat id, or containing the conversation id or one of the given
texts (what the citizen wrote, their phone).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

import actions.store.models  # noqa: F401 - every package's tables are walked
import bot.models
import bot.retention.models  # noqa: F401
import handoff.models  # noqa: F401
from bot.retention.tracker import async_url
from bot.storage import Base


def _cell(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


async def traces_in_tables(
    engine: AsyncEngine, conversation_id: str, chat_id: str, texts: tuple[str, ...] = ()
) -> list[str]:
    """`table.column` of every cell that names the chat; [] when the chat left no trace."""
    needles = (conversation_id, *texts)
    found = []
    async with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in (await connection.execute(select(table))).mappings():
                for column, value in row.items():
                    cell = _cell(value)
                    if cell == chat_id or any(needle in cell for needle in needles):
                        found.append(f"{table.name}.{column}")
    return found


async def database_tables(engine: AsyncEngine) -> set[str]:
    """The tables the database really has (Alembic's bookkeeping aside)."""
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    return set(names) - {"alembic_version", "events"}


def walked_tables() -> set[str]:
    """The tables the walk covers."""
    return {table.name for table in Base.metadata.sorted_tables}


# Rasa 3.6's `events` table as its SQLTrackerStore declares it (rasa/core/tracker_store.py)
RASA_EVENTS = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


async def add_tracker_events(
    url: str, sender_id: str, events: list[tuple[str, float, str]]
) -> None:
    """Append `(type_name, timestamp, data)` events the way Rasa stores them."""
    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as connection:
            await connection.run_sync(RASA_EVENTS.metadata.create_all)
            for type_name, timestamp, data in events:
                await connection.execute(
                    RASA_EVENTS.insert().values(
                        sender_id=sender_id, type_name=type_name, timestamp=timestamp, data=data
                    )
                )
    finally:
        await engine.dispose()


async def tracker_senders(url: str) -> dict[str, int]:
    """Events per sender in the tracker store."""
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT sender_id, COUNT(*) FROM events GROUP BY sender_id")
            )
            return {sender: int(count) for sender, count in rows.all()}
    finally:
        await engine.dispose()


async def traces_in_tracker(
    tracker_url: str, conversation_id: str, texts: tuple[str, ...] = ()
) -> int:
    """How many of Rasa's tracker events belong to the chat or quote one of the texts."""
    engine = create_async_engine(async_url(tracker_url))
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT sender_id, data FROM events"))).all()
    finally:
        await engine.dispose()
    return sum(
        1
        for sender_id, data in rows
        if sender_id == conversation_id or any(t in (data or "") for t in texts)
    )
