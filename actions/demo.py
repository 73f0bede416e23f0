"""Demo data: citizens, appeals in every status, services, an incident and a maintenance window.

`python -m actions.demo --if-empty` fills an empty, migrated database; the output is the same on
every run (fixed seed), and the well-known identities below are what docs and tests rely on.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from faker import Faker
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.identity import snils_hash
from actions.store.calendar import deadline_for
from actions.store.models import (
    Appeal,
    AppealStatus,
    AppealStatusChange,
    Citizen,
    DeadlineKind,
    Incident,
    IncidentKind,
    Service,
)
from bot.settings import load_settings
from bot.storage import create_engine, create_session_factory, session_scope, utcnow
from identifiers import snils_check_number

logger = logging.getLogger(__name__)

SEED = 20260101
RANDOM_CITIZENS = 28

DEMO_CITIZEN_NAME = "Иванов Иван Иванович"
DEMO_CITIZEN_PHONE = "+79990000001"
DEMO_CITIZEN_EMAIL = "ivanov@example.ru"
DEMO_CITIZEN_SNILS = "11223344595"
OTHER_CITIZEN_NAME = "Петрова Мария Сергеевна"
OTHER_CITIZEN_PHONE = "+79990000002"

APPEAL_IN_PROGRESS = "1234567890"
APPEAL_WAITING = "12345678"
APPEAL_REJECTED = "AB-987654321"
APPEAL_OVERDUE = "2000000001"
APPEAL_APPROVED = "2000000002"
APPEAL_COMPLETED = "2000000003"
OTHER_CITIZEN_APPEAL = "3000000001"
UNKNOWN_APPEAL = "9999999999"
REJECTION_REASON = "Не приложена копия паспорта заявителя."

DEMO_APPEALS_BY_STATUS = {
    AppealStatus.IN_PROGRESS: APPEAL_IN_PROGRESS,
    AppealStatus.WAITING_CITIZEN: APPEAL_WAITING,
    AppealStatus.REJECTED: APPEAL_REJECTED,
    AppealStatus.APPROVED: APPEAL_APPROVED,
    AppealStatus.COMPLETED: APPEAL_COMPLETED,
}

INCIDENT_SERVICE = "tax"
MAINTENANCE_SERVICE = "passport"

SERVICES = {
    "tax": ("Налоги и задолженности", "ФНС России"),
    "passport": ("Заграничный паспорт", "МВД России"),
    "lk": ("Личный кабинет", "Минцифры России"),
    "pension": ("Пенсии и пособия", "Социальный фонд России"),
    "vehicle": ("Регистрация транспорта", "Госавтоинспекция"),
    "registration": ("Регистрация по месту жительства", "МВД России"),
    "fines": ("Штрафы ГИБДД", "Госавтоинспекция"),
}

COMMENTS = {
    AppealStatus.IN_PROGRESS: "Заявление принято в работу.",
    AppealStatus.WAITING_CITIZEN: "Нужна копия свидетельства о рождении ребёнка.",
    AppealStatus.APPROVED: "Решение положительное, результат в личном кабинете.",
    AppealStatus.REJECTED: "Отказ, причина указана в карточке заявления.",
    AppealStatus.COMPLETED: "Услуга оказана.",
}


@dataclass(frozen=True)
class DemoAppeal:
    """One appeal to create: whose, which service, how old, its status and term."""

    number: str
    service: str
    age: timedelta
    status: AppealStatus
    kind: DeadlineKind = DeadlineKind.STANDARD
    reason: str | None = None


FIXED_APPEALS = (
    DemoAppeal(APPEAL_IN_PROGRESS, "passport", timedelta(hours=20), AppealStatus.IN_PROGRESS),
    DemoAppeal(
        APPEAL_WAITING,
        "pension",
        timedelta(days=3),
        AppealStatus.WAITING_CITIZEN,
        DeadlineKind.CLARIFICATION,
    ),
    DemoAppeal(
        APPEAL_REJECTED,
        "registration",
        timedelta(days=12),
        AppealStatus.REJECTED,
        reason=REJECTION_REASON,
    ),
    DemoAppeal(APPEAL_OVERDUE, "vehicle", timedelta(days=21), AppealStatus.IN_PROGRESS),
    DemoAppeal(
        APPEAL_APPROVED, "tax", timedelta(days=40), AppealStatus.APPROVED, DeadlineKind.INTERAGENCY
    ),
    DemoAppeal(APPEAL_COMPLETED, "fines", timedelta(days=60), AppealStatus.COMPLETED),
)


def _add_appeal(session: AsyncSession, citizen: Citizen, demo: DemoAppeal, now: datetime) -> None:
    submitted = now - demo.age
    appeal = Appeal(
        number=demo.number,
        citizen_id=citizen.id,
        service_code=demo.service,
        agency=SERVICES[demo.service][1],
        submitted_at=submitted,
        status=demo.status.value,
        deadline_at=deadline_for(submitted, demo.kind),
        deadline_kind=demo.kind.value,
        rejection_reason=demo.reason,
    )
    session.add(appeal)
    history = [AppealStatus.IN_PROGRESS]
    if demo.status is not AppealStatus.IN_PROGRESS:
        history.append(demo.status)
    step = demo.age / (len(history) + 1)
    appeal.changes = [
        AppealStatusChange(
            status=status.value, changed_at=submitted + step * index, comment=COMMENTS[status]
        )
        for index, status in enumerate(history)
    ]


def _random_snils(rng: random.Random) -> str:
    first_nine = f"{rng.randrange(100_000_000, 999_999_999)}"
    return f"{first_nine}{snils_check_number(first_nine):02d}"


async def load_demo(session: AsyncSession, now: datetime, snils_key: str) -> None:
    """Add the demo data; deterministic for a given `now`."""
    rng = random.Random(SEED)  # noqa: S311 - reproducible demo data, not secrets
    fake = Faker("ru_RU")
    fake.seed_instance(SEED)
    session.add_all(Service(code=code, title=title) for code, (title, _) in SERVICES.items())
    ivanov = Citizen(
        full_name=DEMO_CITIZEN_NAME,
        phone=DEMO_CITIZEN_PHONE,
        email=DEMO_CITIZEN_EMAIL,
        snils_hash=snils_hash(DEMO_CITIZEN_SNILS, snils_key),
    )
    petrova = Citizen(
        full_name=OTHER_CITIZEN_NAME,
        phone=OTHER_CITIZEN_PHONE,
        email="petrova@example.ru",
        snils_hash=snils_hash(_random_snils(rng), snils_key),
    )
    session.add_all([ivanov, petrova])
    await session.flush()
    for demo in FIXED_APPEALS:
        _add_appeal(session, ivanov, demo, now)
    _add_appeal(
        session,
        petrova,
        DemoAppeal(OTHER_CITIZEN_APPEAL, "tax", timedelta(days=2), AppealStatus.IN_PROGRESS),
        now,
    )
    statuses = list(AppealStatus)
    for index in range(RANDOM_CITIZENS):
        citizen = Citizen(
            full_name=f"{fake.last_name_male()} {fake.first_name_male()} {fake.middle_name_male()}",
            phone=f"+7999100{index:04d}",
            email=fake.unique.free_email(),
            snils_hash=snils_hash(_random_snils(rng), snils_key),
        )
        session.add(citizen)
        await session.flush()
        for _ in range(rng.randint(1, 3)):
            status = rng.choice(statuses)
            _add_appeal(
                session,
                citizen,
                DemoAppeal(
                    number=f"4{rng.randrange(100_000_000, 999_999_999)}",
                    service=rng.choice(list(SERVICES)),
                    age=timedelta(days=rng.randint(1, 45), hours=rng.randint(0, 23)),
                    status=status,
                    kind=rng.choice(list(DeadlineKind)),
                    reason=REJECTION_REASON if status is AppealStatus.REJECTED else None,
                ),
                now,
            )
    session.add_all(
        [
            Incident(
                service_code=INCIDENT_SERVICE,
                kind=IncidentKind.INCIDENT.value,
                started_at=now - timedelta(hours=1),
                expected_recovery_at=now + timedelta(hours=3),
                public_text="раздел «Налоги» работает с перебоями, платежи могут не проходить.",
            ),
            Incident(
                service_code=MAINTENANCE_SERVICE,
                kind=IncidentKind.MAINTENANCE.value,
                started_at=now + timedelta(hours=12),
                expected_recovery_at=now + timedelta(hours=16),
                public_text="обновление сервиса «Заграничный паспорт».",
            ),
        ]
    )


async def _main(if_empty: bool) -> int:
    settings = load_settings()
    engine = create_engine(settings.database_url)
    try:
        async with session_scope(create_session_factory(engine)) as session:
            existing = (await session.execute(select(func.count(Citizen.id)))).scalar_one()
            if existing:
                if if_empty:
                    logger.info("demo data skipped: the database already has citizens")
                    return 0
                logger.error("the database is not empty; use --if-empty to skip quietly")
                return 1
            await load_demo(session, utcnow(), settings.session_secret.get_secret_value())
        logger.info("demo data loaded")
        return 0
    finally:
        await engine.dispose()


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description="Load Госпомощник demo data")
    parser.add_argument("--if-empty", action="store_true", help="do nothing if data exists")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    raise SystemExit(asyncio.run(_main(args.if_empty)))


if __name__ == "__main__":
    main()
