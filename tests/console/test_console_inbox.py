"""From "a follower asked something the bot could not answer" to "it answers now", through HTTP: the question shows in
the inbox, one action writes the right FAQ file (comments and order kept), hot reload makes it live, the question
leaves the inbox, and who did it is in the history. An invalid change is refused with file:line in Chinese."""
from __future__ import annotations

import difflib
import subprocess

import pytest

from bot.knowledge import load_knowledge
from tests.console.conftest import post_form

ASKED = "客服热线多少"  # the small knowledge falls back on this (its phone entry has no such phrasing)


def fallback_text(console_app) -> str:
    from bot.knowledge.texts import Say

    return console_app.extensions["clairbot"].knowledge.current.text(Say.fallback)


def added_lines(before: str, after: str) -> list[str]:
    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    assert not [d for d in diff if d.startswith("- ")], "a line was changed or removed"
    return [d[2:] for d in diff if d.startswith("+ ")]


@pytest.fixture
def unanswered(console_app, follower):
    """A question the bot falls back on, asked twice by two followers in two wordings."""
    fallback = fallback_text(console_app)
    for text, who in ((ASKED, "o_a"), (ASKED, "o_b"), (ASKED + "？", "o_a")):
        assert follower(text, openid=who) == fallback
    return ASKED


def test_the_inbox_groups_a_question_followers_just_asked(staff, unanswered):
    page = staff.get("/console/inbox").get_data(as_text=True)
    assert f'data-question="{unanswered}"' in page
    assert "3 次" in page and "2 位粉丝" in page
    assert "contact-phone" in page  # the likely entry is offered
    assert "加为相似问法" in page and "新建条目" in page and "闲聊" in page


def test_add_as_a_phrasing_goes_live_and_leaves_the_inbox(staff, console_app, kb, follower, unanswered):
    path = kb / "faq" / "main.yaml"
    before = "# 联系方式（这行注释要保留）\n" + path.read_text(encoding="utf-8")
    path.write_text(before, encoding="utf-8")
    console_app.extensions["clairbot"].knowledge.reload_if_changed()
    page = staff.get("/console/inbox").get_data(as_text=True)
    key = page.split('name="key" value="', 1)[1].split('"', 1)[0]

    resp = post_form(staff, "/console/inbox", "/console/inbox/phrasing",
                     {"key": key, "text": unanswered, "entry": "contact-phone"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    after = path.read_text(encoding="utf-8")
    old_line = "  similar: [你们电话多少, 怎么打电话给你们, 电话号码是多少, 联系电话, phone number]"
    assert after == before.replace(old_line, old_line[:-1] + f", {unanswered}]")  # that one line, still a flow list
    assert after.startswith("# 联系方式（这行注释要保留）\n")
    assert [e.id for e in load_knowledge(kb).faq.entries.values()][:2] == ["contact-phone", "contact-fax"]

    assert "+86-10-6513-8791" in follower(unanswered, openid="o_c")  # live through the webhook now
    shown = staff.get("/console/inbox")
    page = shown.get_data(as_text=True)
    assert "已把" in page and f'data-question="{unanswered}"' not in page and "已处理 1 组" in page
    history = staff.get("/console/history").get_data(as_text=True)
    assert "wang" in history and "contact-phone" in history and "knowledge/faq/main.yaml" in history


def test_only_the_touched_line_changes_in_a_block_list(staff, console_app, kb, follower):
    path = kb / "faq" / "main.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "  similar: [传真号码多少, 怎么发传真给你们, 传真号, 你们有传真吗, fax number]\n",
        "  similar:\n    - 传真号码多少\n    # 下面这句来自粉丝留言\n    - 怎么发传真给你们\n    - 传真号\n"
        "    - 你们有传真吗\n    - fax number\n")
    path.write_text(text, encoding="utf-8")
    console_app.extensions["clairbot"].knowledge.reload_if_changed()
    resp = post_form(staff, "/console/inbox", "/console/inbox/phrasing",
                     {"text": "传真机号码给一下", "entry": "contact-fax"})
    assert resp.status_code == 302
    assert added_lines(text, path.read_text(encoding="utf-8")) == ["    - 传真机号码给一下"]
    assert "传真：+86-10-6513-8795" in follower("传真机号码给一下")


def test_a_new_entry_goes_live(staff, kb, follower, console_app):
    question = "办公室可以停车吗"
    assert follower(question) == fallback_text(console_app)
    resp = post_form(staff, "/console/inbox", "/console/inbox/entry", {
        "id": "office-parking", "question": question, "similar": "能停车吗\n开车去停哪里\n有没有停车位",
        "answer": "测试答案：请先致电询问。", "topics": [], "file": "knowledge/faq/main.yaml"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    entry = load_knowledge(kb).faq.entries["office-parking"]
    assert [p.text for p in entry.similar] == ["能停车吗", "开车去停哪里", "有没有停车位"]
    assert "测试答案" in follower("开车去停哪里")


def test_an_invalid_change_is_refused_with_file_and_line_in_chinese(staff, kb, follower):
    path = kb / "faq" / "main.yaml"
    before = path.read_text(encoding="utf-8")
    # "你们电话多少" is already a phrasing of contact-phone: adding it to the fax entry would make it ambiguous
    resp = post_form(staff, "/console/inbox", "/console/inbox/phrasing",
                     {"text": "你们电话多少", "entry": "contact-fax"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "没有保存" in page and "knowledge/faq/main.yaml:" in page and "同一种问法只能对应一个条目" in page
    assert path.read_text(encoding="utf-8") == before
    assert "+86-10-6513-8791" in follower("你们电话多少")

    resp = post_form(staff, "/console/inbox", "/console/inbox/entry", {
        "id": "bad-topic", "question": "测试话题", "answer": "答案", "topics": ["no-such-topic"],
        "file": "knowledge/faq/main.yaml"})
    assert resp.status_code == 422 and "没有「no-such-topic」这个话题" in resp.get_data(as_text=True)
    assert path.read_text(encoding="utf-8") == before


@pytest.mark.parametrize("file", ["knowledge/../../outside.yaml", "/etc/passwd", "knowledge/replies.yaml",
                                  "knowledge/faq/../menu.yaml", "knowledge/faq/x.py"])
def test_nothing_outside_the_faq_folder_is_written(staff, kb, file):
    resp = post_form(staff, "/console/inbox", "/console/inbox/entry", {
        "id": "sneaky", "question": "问题", "answer": "答案", "file": file})
    assert resp.status_code == 422 and "只能修改" in resp.get_data(as_text=True)
    assert not (kb.parent / "outside.yaml").exists()
    assert "sneaky" not in (kb / "replies.yaml").read_text(encoding="utf-8")
    assert all("sneaky" not in p.read_text(encoding="utf-8") for p in kb.rglob("*.yaml"))


def test_small_talk_and_ignore_leave_the_inbox(staff, console_app, follower):
    follower("哈哈哈你好可爱")
    follower("今天天气真不错啊朋友")
    page = staff.get("/console/inbox").get_data(as_text=True)
    assert "哈哈哈你好可爱" in page
    post_form(staff, "/console/inbox", "/console/inbox/dismiss", {"action": "smalltalk", "text": "哈哈哈你好可爱"})
    post_form(staff, "/console/inbox", "/console/inbox/dismiss", {"action": "ignore", "text": "今天天气真不错啊朋友"})
    page = staff.get("/console/inbox").get_data(as_text=True)
    assert "已处理 2 组" in page
    assert "marked smalltalk" in staff.get("/console/history").get_data(as_text=True)


def test_digits_and_emoji_alone_are_not_listed(staff, follower):
    for text in ("12345", "😀😀", "。。。", "88"):
        follower(text)
    follower("签证怎么办理")
    page = staff.get("/console/inbox").get_data(as_text=True)
    assert 'data-question="签证怎么办理"' in page
    assert 'data-question="12345"' not in page and 'data-question="😀😀"' not in page
    assert "只有数字、表情或符号" in page


def test_follower_text_is_escaped(staff, follower):
    follower("<script>alert('x')</script>是什么")
    page = staff.get("/console/inbox").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_a_change_is_a_git_commit_by_the_staff_member(staff, kb, follower):
    git = ["git", "-C", str(kb)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "-c", "user.name=setup", "-c", "user.email=s@x", "add", "-A"], check=True)
    subprocess.run([*git, "-c", "user.name=setup", "-c", "user.email=s@x", "commit", "-qm", "start"], check=True)
    resp = post_form(staff, "/console/inbox", "/console/inbox/phrasing", {"text": "传真是几号", "entry": "contact-fax"})
    assert resp.status_code == 302
    log = subprocess.run([*git, "log", "-1", "--format=%an|%s", "--name-only"], check=True, capture_output=True,
                         text=True).stdout
    assert log.startswith("wang|Console: '传真是几号' added as a phrasing of contact-fax")
    assert "faq/main.yaml" in log
    assert subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True).stdout == ""

