"""An answer in the asker's language when the entry has one (answer_ja, answer_en), through the real webhook."""
from __future__ import annotations

import pytest

from bot.matching.language import asker_language
from bot.staff.chat import WebhookClient
from tests.constants import TOKEN


@pytest.fixture
def client(app) -> WebhookClient:
    return WebhookClient(app, token=TOKEN, openid="o_language_test")


@pytest.mark.parametrize(("text", "language"), [
    ("北京事務所の電話番号は？", "ja"), ("セミナー", "ja"), ("what is your fax number", "en"), ("JET programme", "en"),
    ("传真号多少", "zh"), ("JET是什么", "zh"), ("fax", "zh"), ("123", "zh"), ("電話號碼", "zh"),
])
def test_the_language_of_a_message(text: str, language: str) -> None:
    assert asker_language(text) == language


@pytest.mark.parametrize(("question", "starts"), [
    ("北京事務所のFAX番号を教えてください", "北京事務所のFAX：+86-(0)10-6513-8795"),
    ("what is your fax number", "CLAIR Beijing fax: +86-(0)10-6513-8795"),
    ("传真号多少", "北京事务所传真：+86-(0)10-6513-8795"),
])
def test_the_fax_in_the_askers_language(client: WebhookClient, question: str, starts: str) -> None:
    assert client.say(question).startswith(starts)


def test_an_entry_without_a_translation_answers_in_chinese(client: WebhookClient, engine) -> None:
    entry = engine.knowledge.current.faq.get("jet-alt")
    assert entry is not None and not entry.translations
    assert client.say("what does an ALT do in the JET programme").startswith(entry.answer[:40])
