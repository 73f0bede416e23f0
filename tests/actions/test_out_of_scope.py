"""The portal's other services: an honest refusal, the topic's route, an operator button."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.content import ContentError
from actions.dialogue_content import load_out_of_scope, out_of_scope_from
from actions.out_of_scope import ActionOutOfScope
from actions.texts import TEXTS
from tests.actions.conftest import make_tracker, run_action

CONTENT = load_out_of_scope()
ROUTES = {topic.code: topic.route for topic in CONTENT.topics}


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("как оплатить штраф со скидкой", "fines"),
        ("как открыть ИП онлайн", "business"),
        ("как получить налоговый вычет за лечение", "taxes"),
        ("когда придёт пенсия", "pensions"),
        ("как оформить единое пособие на ребенка", "benefits"),
        ("как записать ребенка в первый класс", "education"),
        ("запись к врачу через госуслуги", "medicine"),
        ("как получить выписку из ЕГРН на квартиру", "property"),
        ("как поставить машину на учёт", "vehicles"),
        ("как заменить водительское удостоверение", "driving"),
        ("оформить загранпаспорт нового образца", "foreign_passport"),
        ("замена паспорта в 45 лет", "passport"),
        ("как подать заявление на регистрацию брака", "civil_registry"),
        ("где взять справку о несудимости", "certificates"),
    ],
)
async def test_a_question_about_another_service_gets_its_route_and_an_operator(
    sessions: async_sessionmaker[AsyncSession], question: str, topic: str
) -> None:
    tracker = make_tracker(intent="out_of_scope", text=question)
    _, messages = await run_action(ActionOutOfScope(sessions), tracker)
    assert messages[0]["text"].startswith(CONTENT.intro)
    assert ROUTES[topic] in messages[0]["text"]
    assert {"title": TEXTS.button_operator, "payload": "/request_operator"} in messages[0][
        "buttons"
    ]


@pytest.mark.parametrize("text", ["расскажи анекдот", "/out_of_scope"])
async def test_no_known_topic_gets_the_general_route(
    sessions: async_sessionmaker[AsyncSession], text: str
) -> None:
    tracker = make_tracker(intent="out_of_scope", text=text)
    _, messages = await run_action(ActionOutOfScope(sessions), tracker)
    assert CONTENT.default_route in messages[0]["text"]


async def test_an_edited_default_file_shows_without_a_restart(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    path = tmp_path / "out_of_scope.yml"
    path.write_text(
        'intro: "Не могу."\noutro: "Оператор?"\ndefault_route: "Каталог."\n'
        "topics:\n  - code: hunting\n    keywords: [охотничий билет]\n"
        '    route: "Охотничий билет: раздел «Охота»."\n',
        encoding="utf-8",
    )
    tracker = make_tracker(intent="out_of_scope", text="как получить охотничьи билеты")
    _, messages = await run_action(ActionOutOfScope(sessions, path), tracker)
    assert messages[0]["text"] == "Не могу.\nОхотничий билет: раздел «Охота».\nОператор?"
    edited = path.read_text(encoding="utf-8").replace("«Охота»", "«Охота и рыбалка»")
    path.write_text(edited, encoding="utf-8")
    _, messages = await run_action(ActionOutOfScope(sessions, path), tracker)
    assert "«Охота и рыбалка»" in messages[0]["text"]


TOPIC = {"code": "hunting", "keywords": ["охотничий билет"], "route": "Раздел «Охота»."}
TEXTS_OF_A_BODY = {"intro": "Не могу.", "outro": "Оператор?", "default_route": "Каталог."}


@pytest.mark.parametrize(
    ("topics", "problem", "where"),
    [
        ([{**TOPIC, "keywords": []}], "keywords_missing", "topics.0.keywords"),
        ([{**TOPIC, "keywords": ["  "]}], "keywords_missing", "topics.0.keywords"),
        ([TOPIC, {**TOPIC, "route": ""}], "text_missing", "topics.1.route"),
        ([TOPIC, TOPIC], "topic_duplicate", "topics.1.code"),
    ],
)
def test_an_invalid_topic_is_refused_naming_the_field(
    topics: list[dict[str, object]], problem: str, where: str
) -> None:
    with pytest.raises(ContentError) as refused:
        out_of_scope_from({**TEXTS_OF_A_BODY, "topics": topics})
    assert (refused.value.problem, refused.value.where) == (problem, where)
