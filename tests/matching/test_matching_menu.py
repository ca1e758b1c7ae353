"""Menu clicks: a button's text is answered like a message, without the short-message guard; an entry id works."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge import load_knowledge
from bot.staff.ask import explain, menu_problems
from tests.kbkit import write, write_knowledge

MENU = """\
buttons:
  - name: 联系我们
    sub_buttons:
      - name: 电话
        key: CONTACT_PHONE
        says: contact-phone
      - name: 长野旅游
        key: NAGANO
        says: 滑雪
      - name: 签证
        key: VISA
        says: 签证办理
"""


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory: pytest.TempPathFactory):
    folder = write_knowledge(tmp_path_factory.mktemp("kb"))
    write(folder / "menu.yaml", MENU)
    return load_knowledge(folder)


def test_a_button_naming_an_entry_id_answers_it(knowledge) -> None:
    result = explain("", knowledge, menu_key="CONTACT_PHONE")
    assert (result["decision"], result["entry"], result["rule"]) == ("answer", "contact-phone", "menu")


def test_a_short_button_text_is_answered_not_listed(knowledge) -> None:
    assert explain("滑雪", knowledge)["decision"] == "suggest"  # typed by a follower: one word, a list
    clicked = explain("", knowledge, menu_key="NAGANO")
    assert (clicked["decision"], clicked["entry"]) == ("answer", "tourism-nagano-ski")


def test_kb_check_warns_about_a_button_the_bot_cannot_answer(knowledge, tmp_path: Path) -> None:
    problems = [str(p) for p in menu_problems(knowledge)]
    assert len(problems) == 1
    assert problems[0].startswith("knowledge/menu.yaml:12: the button VISA says '签证办理'")


def test_kb_check_names_the_line_of_the_text_wherever_it_is_in_the_button(tmp_path: Path) -> None:
    folder = write_knowledge(tmp_path)
    write(folder / "menu.yaml", """\
        buttons:
          - name: 签证
            says: 签证办理
            key: VI
          - name: 更多
            sub_buttons:
              - {name: 电话, key: VISA, says: contact-phone}
        """)
    problems = [str(p) for p in menu_problems(load_knowledge(folder))]
    assert len(problems) == 1  # VISA opens contact-phone; VI, a prefix of it, is the one the bot cannot answer
    assert problems[0].startswith("knowledge/menu.yaml:3: the button VI says '签证办理'")
