"""The login problem the citizen already named picks its branch; none named shows the menu."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.dialogue_content import load_dialogue_content
from actions.login import ActionDetectLoginProblem
from tests.actions.conftest import make_tracker, run_action, slot_events


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("не приходит смс код для входа в госуслуги уже час", "no_code"),
        ("код так и не пришёл", "no_code"),
        ("мою учетку заблокировали", "blocked"),
        ("я потерял телефон и не могу зайти", "lost_phone"),
        ("нет доступа ни к телефону ни к почте", "lost_phone"),
        ("пишет что-то про VPN", "vpn"),
        ("забыла пароль от госуслуг", "forgot_password"),
        ("при входе выдает ошибку 500", "tech_error"),
        ("не могу войти в госуслуги", None),
    ],
)
async def test_the_problem_named_in_the_message_sets_its_branch(
    text: str, problem: str | None
) -> None:
    tracker = make_tracker(intent="password_reset", text=text)
    events, messages = await run_action(ActionDetectLoginProblem(), tracker)
    assert slot_events(events) == {"login_problem": problem}
    assert messages == []


async def test_a_button_choice_wins_over_the_lexicon() -> None:
    tracker = make_tracker(
        intent="choose_login_problem",
        text='/choose_login_problem{"login_problem": "vpn"}',
        entities=[{"entity": "login_problem", "value": "vpn"}],
    )
    events, _ = await run_action(ActionDetectLoginProblem(), tracker)
    assert slot_events(events) == {"login_problem": "vpn"}


async def test_a_problem_from_an_earlier_topic_does_not_answer_a_new_message() -> None:
    tracker = make_tracker(
        intent="password_reset", text="опять не могу войти", slots={"login_problem": "blocked"}
    )
    events, _ = await run_action(ActionDetectLoginProblem(), tracker)
    assert slot_events(events) == {"login_problem": None}


def test_an_unknown_login_problem_in_the_content_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "dialogue.yml"
    path.write_text("login_problems:\n  no_sms: [смс]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no_sms"):
        load_dialogue_content(path)


async def test_an_editors_new_phrase_works_without_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "dialogue.yml"
    path.write_text("login_problems:\n  vpn:\n    - зарубежный сервер\n", encoding="utf-8")
    tracker = make_tracker(intent="password_reset", text="захожу через зарубежные серверы")
    events, _ = await run_action(ActionDetectLoginProblem(path), tracker)
    assert slot_events(events) == {"login_problem": "vpn"}
