"""Each handler alone, given a Context from tests/factory.py: the reply it gives and the effects it asks for."""
from __future__ import annotations

import pytest

from bot.core.effects import PASS, ClearSession, Forget, Remember, answer, passing
from bot.core.engine import run_chain
from bot.core.lists import LIST_KEY, Option, offer
from bot.core.reading import read_text
from bot.core.replies import NO_REPLY, TextReply
from bot.core.router import Router
from bot.followers.effects import ForgetFollower, LogUnanswered, Subscribe, Unsubscribe
from bot.knowledge.texts import Say
from handlers import choices, commands, events, fallback, faq, messages, subscriptions
from tests import factory


@pytest.fixture(scope="module")
def knowledge(real_knowledge):
    """The real knowledge (conftest's `real_knowledge`), under the name these tests use."""
    return real_knowledge


@pytest.fixture(scope="module")
def two_entries(knowledge):
    return list(knowledge.faq.entries)[:2]  # entry ids, in file order


def test_the_text_step_reads_typed_recognised_and_clicked_text(knowledge):
    key, says = next(iter(knowledge.menu.keys.items()))
    assert read_text(factory.text("你好"), knowledge).text == "你好"
    heard = read_text(factory.voice("JET项目是什么"), knowledge)
    assert (heard.text, heard.voice) == ("JET项目是什么", True)
    assert read_text(factory.voice("  "), knowledge).text is None
    clicked = read_text(factory.click(key), knowledge)
    assert (clicked.text, clicked.menu_key) == (says, key)
    assert read_text(factory.click("NO_SUCH_KEY"), knowledge).text is None
    assert read_text(factory.image(), knowledge).text is None


def listed(knowledge, entry_ids, *, at: float = 1_700_000_000.0) -> dict:
    """A session whose latest list offers these entries, shown at `at`."""
    options = [Option(knowledge.faq.get(i).question, f"{n}. {knowledge.faq.get(i).question}", (i,))
               for n, i in enumerate(entry_ids, start=1)]
    return {LIST_KEY: offer("suggest", options, at).value}


def test_a_number_picks_from_the_list_and_keeps_it(knowledge, two_entries):
    ctx = factory.context("2", knowledge, session=listed(knowledge, two_entries))
    picked = knowledge.faq.get(two_entries[1])
    assert ctx.text == picked.question  # the text step reads the pick as the option's text
    outcome = choices.handle(ctx)
    assert outcome.reply is not None and picked.answer in str(getattr(outcome.reply, "content", "")) + str(
        getattr(outcome.reply, "description", ""))
    assert all(getattr(e, "key", None) != LIST_KEY for e in outcome.effects)  # another number may follow
    assert (ctx.evidence.decision, ctx.evidence.rule, ctx.evidence.choice) == ("answer", "choice", 2)


def test_tapping_an_option_sends_its_text_and_picks_it(knowledge, two_entries):
    picked = knowledge.faq.get(two_entries[0])
    ctx = factory.context(picked.question, knowledge, session=listed(knowledge, two_entries))
    assert ctx.pick is not None and ctx.pick.number == 1
    assert choices.handle(ctx).reply is not None and ctx.evidence.rule == "choice"


def test_a_message_that_is_not_a_number_passes_and_keeps_the_list(knowledge, two_entries):
    outcome = choices.handle(factory.context("JET项目是什么", knowledge, session=listed(knowledge, two_entries)))
    assert outcome == PASS


def test_a_number_out_of_range_keeps_the_list(knowledge, two_entries):
    outcome = choices.handle(factory.context("7", knowledge, session=listed(knowledge, two_entries)))
    assert outcome.reply == TextReply(knowledge.text(Say.choice_invalid, count=2))
    assert outcome.effects == ()


@pytest.mark.parametrize("shown_ago", [None, 5 * 60 + 1, 3600])
def test_a_number_without_a_live_list_gets_a_hint(knowledge, two_entries, shown_ago):
    session = {} if shown_ago is None else listed(knowledge, two_entries, at=1_700_000_000.0 - shown_ago)
    outcome = choices.handle(factory.context("2", knowledge, session=session))
    assert outcome.reply == TextReply(knowledge.text(Say.no_list))


def test_the_fallback_asks_for_the_question_to_be_logged(knowledge):
    ctx = factory.context("zq 完全无关的问题 5521", knowledge)
    ctx.evidence.score = 0.31
    outcome = fallback.handle(ctx)
    assert outcome.reply.content.startswith(knowledge.text(Say.fallback))
    assert outcome.effects[:2] == (LogUnanswered("zq 完全无关的问题 5521", 0.31), Remember("misses", 1))
    assert ctx.evidence.unanswered


def test_subscribing_asks_only_for_the_topics_the_follower_lacks(knowledge):
    ctx = factory.context("订阅 旅游 长野", knowledge, topics={"tourism"})
    outcome = subscriptions.handle(ctx)
    assert outcome.effects == (Subscribe(("nagano",)),)
    assert "已为您订阅「长野" in outcome.reply.content and "您已经订阅了「旅游」" in outcome.reply.content
    assert ctx.evidence.subscription == "subscribe"


def test_unsubscribing_from_everything_names_every_topic_the_follower_has(knowledge):
    outcome = subscriptions.handle(factory.context("退订 全部", knowledge, topics={"tourism", "jet"}))
    assert outcome.effects == (Unsubscribe(("jet", "tourism")),)
    assert subscriptions.handle(factory.context("退订 全部", knowledge, topics=set())).effects == ()


def test_subscriptions_without_redis_say_so_and_change_nothing(knowledge):
    outcome = subscriptions.handle(factory.context("订阅 旅游", knowledge, topics=None))
    assert outcome == answer(TextReply(knowledge.text(Say.subscriptions_unavailable)))


def test_an_unfollow_clears_the_session_and_forgets_the_follower(knowledge):
    assert events.handle(factory.context(factory.unfollow(), knowledge)) == answer(NO_REPLY, ClearSession(),
                                                                                  ForgetFollower())
    assert events.handle(factory.context(factory.follow(), knowledge)).reply == TextReply(knowledge.text(Say.welcome))


def test_a_known_click_goes_on_and_an_unknown_one_is_answered(knowledge):
    key = next(iter(knowledge.menu.keys))
    assert events.handle(factory.context(factory.click(key), knowledge)) == PASS
    unknown = events.handle(factory.context(factory.click("NO_SUCH_KEY"), knowledge))
    assert unknown.reply == TextReply(knowledge.text(Say.menu_unknown))


def test_messages_without_text_get_a_polite_word(knowledge):
    assert messages.handle(factory.context("你好", knowledge)) == PASS
    assert messages.handle(factory.context(factory.image(), knowledge)).reply == TextReply(knowledge.text(Say.media))
    assert messages.handle(factory.context(factory.voice(""), knowledge)).reply == TextReply(
        knowledge.text(Say.voice_unrecognized))


def test_more_takes_the_next_page_and_keeps_the_rest(knowledge):
    outcome = commands.handle(factory.context("更多", knowledge, session={"more": ["二", "三"]}))
    assert outcome == answer(TextReply("二"), Remember("more", ["三"]))
    assert commands.handle(factory.context("更多", knowledge, session={"more": ["三"]})).effects == (Forget("more"),)


def test_a_list_is_remembered_for_its_numbers(knowledge):
    ctx = factory.context("交流", knowledge)
    outcome = faq.handle(ctx)
    # a bare word many entries use is ambiguous (研讨会 is one entry's keyword: the default decision answers it)
    assert ctx.evidence.decision == "suggest" and len(ctx.evidence.suggestions) >= 2
    remembered = [e for e in outcome.effects if isinstance(e, Remember) and e.key == LIST_KEY]
    assert [o["entries"] for o in remembered[0].value["options"]] == [[i] for i in ctx.evidence.suggestions]


def test_the_chain_keeps_a_passing_handlers_effects_and_drops_all_when_one_raises(knowledge):
    def remembers(ctx):
        return passing(Remember("seen", 1))

    def answers(ctx):
        return answer(TextReply("好"), Remember("answered", True))

    def raises(ctx):
        raise RuntimeError("boom")

    handled = run_chain(Router([remembers, answers]), factory.context("你好", knowledge))
    assert handled.reply == TextReply("好") and handled.effects == ()
    assert handled.ctx.session.get("seen") == 1 and handled.ctx.session.dirty  # session effects are applied

    failed = run_chain(Router([remembers, raises]), factory.context("你好", knowledge))
    assert failed.failed and failed.reply == TextReply(knowledge.text(Say.error)) and failed.effects == ()
    assert not failed.ctx.session.dirty  # nothing half-done is written back
    assert failed.ctx.evidence.handler == "error"
