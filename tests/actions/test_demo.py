"""The demo data: about thirty citizens, every status, overdue appeals, incident and maintenance."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.demo import APPEAL_OVERDUE, DEMO_CITIZEN_PHONE
from actions.store.models import Appeal, AppealStatus, Citizen, Incident, IncidentKind
from tests.actions.conftest import NOW


async def test_demo_covers_every_status_and_both_incident_kinds(
    demo: async_sessionmaker[AsyncSession],
) -> None:
    async with demo() as session:
        citizens = (await session.execute(select(func.count(Citizen.id)))).scalar_one()
        appeals = (await session.execute(select(Appeal))).scalars().all()
        kinds = set((await session.execute(select(Incident.kind))).scalars())
        ivanov = (
            await session.execute(select(Citizen).where(Citizen.phone == DEMO_CITIZEN_PHONE))
        ).scalar_one()
    assert 28 <= citizens <= 32
    assert {appeal.status for appeal in appeals} == {status.value for status in AppealStatus}
    overdue = {appeal.number for appeal in appeals if appeal.is_overdue_at(NOW)}
    assert APPEAL_OVERDUE in overdue
    assert kinds == {IncidentKind.INCIDENT.value, IncidentKind.MAINTENANCE.value}
    assert ivanov.full_name == "Иванов Иван Иванович"
    assert ivanov.snils_hash is not None
    assert len(ivanov.snils_hash) == 64
