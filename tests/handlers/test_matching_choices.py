"""The 您是想问 list through the real webhook: the follower replies with a number and gets that answer."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.knowledge.texts import Say
from bot.staff.chat import WebhookClient
from tests.constants import TOKEN
from tests.kbkit import write_knowledge

NAGANO = "长野县：善光寺、松本城、上高地。"
SKI = "长野县的白马、志贺高原都是著名的滑雪场。"


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    return write_knowledge(tmp_path)


@pytest.fixture
def client(app) -> WebhookClient:
    return WebhookClient(app, token=TOKEN, openid="o_choices_test")


def numbered(reply: str) -> dict[str, str]:
    """The list's questions by number."""
    return dict(re.findall(r"^(?:<a [^>]+>)?(\d)\. (.+?)(?:</a>)?$", reply, flags=re.MULTILINE))


def test_replying_2_answers_the_second_question(client: WebhookClient, engine) -> None:
    listing = client.say("长野")
    assert listing.startswith(engine.knowledge.current.text(Say.suggest_intro))
    options = numbered(listing)
    assert set(options.values()) == {"长野县有什么好玩的？", "长野县哪里可以滑雪？"}
    expected = SKI if options["2"] == "长野县哪里可以滑雪？" else "[图文] 长野县旅游"
    assert client.say("2").startswith(expected)
    # the list stays the latest one: the other option can be picked too
    assert client.say("1").startswith((SKI, "[图文] 长野县旅游"))


@pytest.mark.parametrize("pick", ["1", "１", "①", "第1个", "选一", " 1。"])
def test_the_ways_of_writing_a_number(client: WebhookClient, pick: str) -> None:
    options = numbered(client.say("长野"))
    reply = client.say(pick)
    assert reply.startswith(SKI if options["1"] == "长野县哪里可以滑雪？" else "[图文] 长野县旅游")


def test_a_number_outside_the_list_asks_again_and_keeps_the_list(client: WebhookClient, engine) -> None:
    options = numbered(client.say("长野"))
    assert client.say("7") == engine.knowledge.current.text(Say.choice_invalid, count=len(options))
    assert client.say("2").startswith((SKI, "[图文] 长野县旅游"))


def test_a_question_in_between_keeps_the_list_and_a_new_list_replaces_it(client: WebhookClient, engine) -> None:
    numbered(client.say("长野"))
    assert client.say("电话") == "电话：+86-10-6513-8791"
    assert client.say("1").startswith((SKI, "[图文] 长野县旅游"))
    assert client.say("3") == engine.knowledge.current.text(Say.choice_invalid, count=2)


def test_a_number_without_a_list_gets_a_hint_not_the_fallback(client: WebhookClient, engine, store) -> None:
    assert client.say("2") == engine.knowledge.current.text(Say.no_list)
    assert store.redis.xlen(store.keys.unanswered) == 0


def test_an_answer_with_more_pages_continues_on_more(client: WebhookClient, engine) -> None:
    first = client.say("JET")
    assert first == "JET项目是外语指导等外国青年聘用项目。\n" + engine.knowledge.current.text(Say.more_hint)
    assert client.say("更多") == "第二页：JET项目始于1987年。"
    assert client.say("更多") == engine.knowledge.current.text(Say.no_more)


def test_an_unanswered_question_is_logged_with_its_best_score(client: WebhookClient, store) -> None:
    client.say("签证怎么办")
    logged = store.redis.xrange(store.keys.unanswered)
    assert len(logged) == 1
    fields = logged[0][1]
    assert fields[b"q"].decode() == "签证怎么办"
    assert 0.0 < float(fields[b"s"]) < 0.5


def test_a_long_first_page_keeps_the_entry_pages(tmp_path: Path, config, store) -> None:
    from tests.kbkit import FAQ
    from webhooks import create_app

    long_answer = "很长的答案。" * 100  # 600 characters, the most allowed: with the hint, over one WeChat page
    faq = FAQ.replace("JET项目是外语指导等外国青年聘用项目。", long_answer)
    app = create_app(config.with_(knowledge_dir=write_knowledge(tmp_path / "long", faq={"main.yaml": faq})),
                     store=store)
    client = WebhookClient(app, token=TOKEN, openid="o_long_answer")
    hint = app.extensions["clairbot"].knowledge.current.text(Say.more_hint)
    pages = [client.say("JET")]
    while pages[-1].endswith(hint):
        pages.append(client.say("更多"))
    text = "".join(page.removesuffix("\n" + hint) for page in pages)
    assert text == long_answer + "第二页：JET项目始于1987年。"
