"""Numbered lists through the real webhook: every list the bot sends is the latest, picked by number or by a tap."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlparse

import pytest

from bot.core.lists import LIST_BYTES
from bot.knowledge.texts import Say
from bot.staff.chat import WebhookClient
from tests.constants import AES_KEY, APP_ID, TOKEN
from webhooks import create_app

LINK = re.compile(r'<a href="(?P<href>[^"]+)">(?P<label>[^<]+)</a>')


@pytest.fixture
def client(app) -> WebhookClient:
    return WebhookClient(app, token=TOKEN, aes_key=AES_KEY, app_id=APP_ID, openid="o_lists")


def links(reply: str) -> list[tuple[str, str, str]]:
    """(content a tap sends, menu id, label) of each link, checked to be a well-formed bizmsgmenu link."""
    found = []
    for match in LINK.finditer(reply):
        url = urlparse(match["href"])
        assert (url.scheme, url.netloc) == ("weixin", "bizmsgmenu"), match["href"]
        query = parse_qs(url.query, strict_parsing=True)
        assert set(query) == {"msgmenucontent", "msgmenuid"}
        assert query["msgmenuid"][0].isdigit()
        assert " " not in match["href"] and "\n" not in match["href"]
        found.append((query["msgmenucontent"][0], query["msgmenuid"][0], match["label"]))
    return found


def test_help_then_a_number_lists_that_topic_and_then_a_number_answers(client: WebhookClient, engine) -> None:
    knowledge = engine.knowledge.current
    listing = client.say("帮助")
    hot = knowledge.conversation.hot_questions[:knowledge.conversation.settings.hot_count]
    assert len(links(listing)) == len(knowledge.conversation.help_topics) + len(hot)
    topic = knowledge.conversation.help_topics[1]
    second = client.say("2")
    assert second.startswith(knowledge.text(Say.help_topic_intro, title=topic.title))
    questions = [knowledge.faq.get(i).question for i in topic.entries]
    assert [label for _, _, label in links(second)] == [f"{n}. {q}" for n, q in enumerate(questions, start=1)]
    assert client.say("第二个").startswith(knowledge.faq.get(topic.entries[1]).answer.split("\n")[0])


@pytest.mark.parametrize("pick", ["1", "１", "①", "第一个", "一", "选1"])
def test_the_subscribe_list_then_a_number_subscribes(client: WebhookClient, engine, store, pick: str) -> None:
    knowledge = engine.knowledge.current
    client.say("订阅")
    first = knowledge.topics.ordered[0]
    assert client.say(pick).startswith(knowledge.text(Say.subscribe_done, names=first.name))
    assert store.redis.sismember(store.keys.user_topics("o_lists"), first.id)


def test_a_suggestion_list_then_numbers_answer_each_option(client: WebhookClient, engine) -> None:
    knowledge = engine.knowledge.current
    listing = client.say("料理")
    assert listing.startswith(knowledge.text(Say.suggest_intro))
    options = links(listing)
    assert len(options) >= 2
    for content, number, _ in options:
        entry = next(e for e in knowledge.faq.entries.values() if e.question == content)
        reply = client.say(number)
        assert reply.startswith((entry.answer.split("\n")[0], f"[图文] {entry.link.title if entry.link else ''}"))


def test_a_tap_sends_the_options_text_and_answers_it(client: WebhookClient, engine) -> None:
    knowledge = engine.knowledge.current
    content, _, _ = links(client.say("料理"))[-1]
    entry = next(e for e in knowledge.faq.entries.values() if e.question == content)
    assert client.say(unquote(content)).startswith(entry.answer.split("\n")[0])


@pytest.mark.parametrize("asked", ["帮助", "订阅", "料理", "派遣", "长野", "JET"])
def test_every_list_is_under_the_limit_with_its_links_intact(client: WebhookClient, asked: str) -> None:
    reply = client.say(asked)
    assert len(reply.encode()) <= LIST_BYTES
    assert reply.count("<a ") == reply.count("</a>") == len(links(reply))


def test_links_can_be_switched_off(config, store, engine) -> None:
    app = create_app(config.with_(tappable_lists=False), store=store)
    client = WebhookClient(app, token=TOKEN, aes_key=AES_KEY, app_id=APP_ID, openid="o_plain")
    listing = client.say("帮助")
    assert "<a " not in listing and "\n1. " in listing
    assert client.say("1").startswith(engine.knowledge.current.text(
        Say.help_topic_intro, title=engine.knowledge.current.conversation.help_topics[0].title))


def test_a_number_with_no_list_gets_a_hint_and_is_not_logged(client: WebhookClient, engine, store) -> None:
    assert client.say("3") == engine.knowledge.current.text(Say.no_list)
    assert client.say("第二个") == engine.knowledge.current.text(Say.no_list)
    assert store.redis.xlen(store.keys.unanswered) == 0


def test_small_talk_between_keeps_the_list(client: WebhookClient, engine) -> None:
    client.say("订阅")
    client.say("好的")
    assert client.say("2").startswith(engine.knowledge.current.text(
        Say.subscribe_done, names=engine.knowledge.current.topics.ordered[1].name))
