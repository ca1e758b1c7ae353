"""knowledge/menu.yaml: validation, `bot menu push` against the fake API, clicks answered like typed text."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge.menu import load_menu
from bot.staff.chat import WebhookClient
from tests.constants import TOKEN

MENU_CREATE = "/cgi-bin/menu/create"


def test_menu_push_creates_the_menu_from_the_file(bot, fake):
    result = bot("menu", "push")
    assert result.exit_code == 0, result.output
    assert "menu published: 3 menus, 14 items" in result.output
    buttons = fake.menu["button"]
    assert [b["name"] for b in buttons] == ["关于我们", "交流项目", "订阅推送"]
    subscribe_menu = buttons[2]["sub_button"]
    assert {"type": "click", "name": "订阅旅游", "key": "SUBSCRIBE_TOURISM"} in subscribe_menu
    assert {"type": "view", "name": "官方网站", "url": "http://www.clair.org.cn/"} in buttons[0]["sub_button"]


def test_menu_push_refused_by_wechat_is_a_sentence(bot, fake):
    fake.inject(MENU_CREATE, 48001)
    result = bot("menu", "push")
    assert result.exit_code == 1 and "48001" in result.output and "Traceback" not in result.output
    assert fake.menu is None


def test_menu_push_stops_on_a_broken_file(bot, fake, push_knowledge: Path):
    (push_knowledge / "menu.yaml").write_text("buttons:\n  - name: 只有名字\n", encoding="utf-8")
    result = bot("menu", "push")
    assert result.exit_code == 1 and "menu.yaml:2" in result.output
    assert fake.calls_to(MENU_CREATE) == []


@pytest.mark.parametrize(("text", "expected"), [
    ("buttons:\n" + "".join(f"  - name: 菜单{i}\n    key: K{i}\n    says: 帮助\n" for i in range(4)),
     "4 menus: WeChat allows at most 3"),
    ("buttons:\n  - name: 这个一级菜单名字太长了\n    key: K\n    says: 帮助\n", "bytes: WeChat allows 16"),
    ("buttons:\n  - name: 菜单\n    sub_buttons:\n" + "".join(f"      - name: 子{i}\n        key: K{i}\n"
                                                            f"        says: 帮助\n" for i in range(6)),
     "has 6 sub-menus"),
    ("buttons:\n  - name: 甲\n    key: SAME\n    says: 帮助\n  - name: 乙\n    key: SAME\n    says: 订阅\n",
     "the key 'SAME' is used twice"),
    ("buttons:\n  - name: 网页\n    url: www.clair.org.cn\n", "must start with http"),
    ("menu: []\n", "needs 'buttons:'"),
])
def test_menu_problems(tmp_path: Path, text: str, expected: str):
    (tmp_path / "menu.yaml").write_text(text, encoding="utf-8")
    _, problems = load_menu(tmp_path)
    assert any(expected in p.message and p.severity == "error" for p in problems), problems


def test_every_click_key_is_answered_like_its_text(app, store):
    def click(key: str, who: str = "oMENU0000000000000000000000A") -> str:
        # events are deduplicated by follower + CreateTime (1 s): one click per follower and second here
        return WebhookClient(app, token=TOKEN, openid=who).event("CLICK", key)

    assert "已为您订阅「活动」" in click("SUBSCRIBE_EVENTS")
    assert "可以订阅的主题" in click("SUBSCRIBE_LIST", "oMENU0000000000000000000000B")
    assert "暂时没有内容" in click("NO_SUCH_KEY", "oMENU0000000000000000000000C")


def test_the_menu_keeps_the_line_of_each_click_text(tmp_path: Path):
    (tmp_path / "menu.yaml").write_text(
        "buttons:\n"
        "  - name: 帮助\n"
        "    says: 帮助\n"  # written before its key: the line is still this one
        "    key: HELP\n"
        "  - name: 更多\n"
        "    sub_buttons:\n"
        "      - {name: 电话, key: HELP_MORE, says: 电话}\n"
        "      - name: 订阅\n"
        "        key: SUBSCRIBE\n"
        "\n"
        "        says: 订阅\n", encoding="utf-8")
    menu, problems = load_menu(tmp_path)
    assert problems == []
    assert menu.lines == {"HELP": 3, "HELP_MORE": 7, "SUBSCRIBE": 11}
