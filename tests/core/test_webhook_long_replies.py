"""Reply text WeChat would choke on: `]]>` inside CDATA, and answers longer than 2,048 bytes (「更多」 pages)."""
from __future__ import annotations

import re
import shutil

import pytest
import yaml

from bot.core.effects import PASS, Remember, answer
from bot.core.paging import TEXT_LIMIT_BYTES, split_text
from bot.core.replies import TextReply
from bot.devkit.wechat_client import exchange, reply_content
from bot.knowledge.texts import Say

TRICKY = "答案：a]]>b ]]]]> <![CDATA[x]]> &amp; <b>粗</b> ]]"


def answer_with(engine, answers: dict[str, str]) -> None:
    """A knowledge-style handler before the fallback: answers the given questions with the given texts."""
    engine.router.handlers.insert(-1, lambda ctx: answer(TextReply(answers[ctx.text])) if ctx.text in answers else PASS)


@pytest.mark.parametrize("mode", ["plaintext", "safe", "compatible"])
def test_cdata_terminator_in_an_answer_round_trips(app, engine, server, mode):
    answer_with(engine, {"怪字符": TRICKY})
    body = exchange(app.test_client(), server, getattr(server, mode)(server.text("怪字符")))
    assert reply_content(body) == TRICKY  # well-formed XML (the parser would raise) and the same text


def test_cdata_terminator_in_a_knowledge_file_round_trips(tmp_path, config, store, server):
    from webhooks import create_app

    root = tmp_path / "knowledge"
    shutil.copytree(config.knowledge_dir, root)
    texts = yaml.safe_load((root / "replies.yaml").read_text(encoding="utf-8"))
    texts["help"] = TRICKY + "\n" + texts["help"]
    (root / "replies.yaml").write_text(yaml.safe_dump(texts, allow_unicode=True), encoding="utf-8")
    app = create_app(config.with_(knowledge_dir=root), store=store)
    body = exchange(app.test_client(), server, server.plaintext(server.text("帮助")))
    assert reply_content(body).startswith(TRICKY + "\n")


def long_answer(kb: int = 9) -> str:
    sentences = [f"第{i}句：北京事务所介绍日本各地的旅游、JET项目和研讨会，内容较长，请耐心阅读。" for i in range(400)]
    text = ""
    for i, s in enumerate(sentences):
        text += s + ("\n" if i % 7 == 6 else "")
        if len(text.encode()) >= kb * 1024:
            return text
    return text


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("mode", ["plaintext", "safe"])
def test_a_9_kb_answer_is_split_and_more_returns_every_page_in_order(app, engine, server, mode):
    answer = long_answer(9)
    assert len(answer.encode()) >= 9 * 1024
    answer_with(engine, {"长答案": answer})
    hint = engine.knowledge.current.text(Say.more_hint)
    client = app.test_client()

    def ask(text: str) -> str:
        return reply_content(exchange(client, server, getattr(server, mode)(server.text(text, openid="o_reader"))))

    pages = [ask("长答案")]
    while pages[-1].endswith(hint):
        assert len(pages) < 20
        pages.append(ask("更多"))
    for page in pages:
        assert len(page.encode()) < TEXT_LIMIT_BYTES
    assert len(pages) >= 5
    joined = "".join(p.removesuffix(hint) for p in pages)
    assert squash(joined) == squash(answer)  # nothing lost, nothing repeated, in order
    assert ask("更多") == engine.knowledge.current.text(Say.no_more)


def test_pages_belong_to_the_follower_who_asked(app, engine, server):
    answer_with(engine, {"长答案": long_answer(5)})
    client = app.test_client()
    first = reply_content(exchange(client, server, server.plaintext(server.text("长答案", openid="o_a"))))
    assert first.endswith(engine.knowledge.current.text(Say.more_hint))
    other = reply_content(exchange(client, server, server.plaintext(server.text("更多", openid="o_b"))))
    assert other == engine.knowledge.current.text(Say.no_more)


@pytest.mark.parametrize("text", [
    "无标点" * 2000,                                        # one sentence longer than a page
    "😀表情" * 1500,                                        # 4-byte characters
    "Short. " * 900,                                       # ASCII sentences without CJK stops
    "。" * 5000,
    "第一段。\n\n" * 600,
    "a" * 2048,
    "a" * 2049,
])
def test_split_text_keeps_pages_under_the_limit_and_loses_nothing(text):
    pages = split_text(text, 1848)
    assert all(0 < len(p.encode()) <= 1848 for p in pages)
    assert squash("".join(pages)) == squash(text)


def test_short_text_is_one_page():
    assert split_text("短答案。") == ["短答案。"]


def test_pages_a_handler_queued_come_after_the_overflow_of_its_long_first_page(app, engine, server):
    """A handler that sets its own 「更多」 pages and answers with a long first page loses none of them."""
    first_page = long_answer(5)

    def paged(ctx):
        if ctx.text != "分页答案":
            return PASS
        return answer(TextReply(first_page), Remember("more", ["第二部分：表格后半。", "第三部分：结束。"]))

    engine.router.handlers.insert(-1, paged)
    hint = engine.knowledge.current.text(Say.more_hint)
    client = app.test_client()

    def ask(text: str) -> str:
        return reply_content(exchange(client, server, server.plaintext(server.text(text, openid="o_paged"))))

    pages = [ask("分页答案")]
    while pages[-1].endswith(hint):
        assert len(pages) < 20
        pages.append(ask("更多"))
    assert pages[-2:] == [f"第二部分：表格后半。\n{hint}", "第三部分：结束。"]
    assert squash("".join(p.removesuffix(hint) for p in pages[:-2])) == squash(first_page)
