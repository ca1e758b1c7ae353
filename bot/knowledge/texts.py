"""Every fixed sentence the bot says, by name: the code names them here, `knowledge/replies.yaml` words them.

`bot kb check` fails when replies.yaml lacks one of these or uses a {placeholder} the code does not fill, so
deleting a line from the file can never send followers an empty sentence.
"""
from __future__ import annotations

import string
from dataclasses import dataclass


@dataclass(frozen=True)
class ReplyText:
    """The name of one sentence in replies.yaml, the {placeholders} the code fills in, and when it is said."""

    key: str
    when: str
    placeholders: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.key


def placeholders_in(text: str) -> set[str]:
    """The {names} a sentence asks to be filled in (None for a malformed brace)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


class Say:
    """The sentences, as the handlers and the engine name them."""

    welcome = ReplyText("welcome", "a follower has just followed the account")
    help = ReplyText("help", "帮助 / 菜单 / help: the numbered help topics", ("topics",))
    hot_intro = ReplyText("hot_intro", "the line before the most asked questions (in 帮助 and the fallback)")
    help_topic_intro = ReplyText("help_topic_intro", "a help topic picked: the first line of its questions",
                                 ("title",))
    fallback = ReplyText("fallback", "a question the bot cannot answer (it is logged for staff)")
    error = ReplyText("error", "the bot failed while answering (a bug): the follower is asked to try again")
    voice_unrecognized = ReplyText("voice_unrecognized", "a voice message WeChat could not turn into text")
    media = ReplyText("media", "a picture, video or file")
    location = ReplyText("location", "a shared location")
    link = ReplyText("link", "a shared link")
    unknown = ReplyText("unknown", "a kind of message the bot does not know")
    more_hint = ReplyText("more_hint", "after a page of a long answer: 「更多」 gives the next one")
    no_more = ReplyText("no_more", "「更多」 when no page is waiting")
    menu_unknown = ReplyText("menu_unknown", "a click on a menu button the knowledge does not know")
    empty_text = ReplyText("empty_text", "a message with no text in it")
    missing_fact = ReplyText("missing_fact", "the question asks for a kind of fact (a mobile number, a fee, opening "
                             "hours…) the matched answer does not give: say so, then give the answer",
                             ("what", "answer"))
    suggest_intro = ReplyText("suggest_intro", "the first line of a 您是想问 list")
    suggest_outro = ReplyText("suggest_outro", "the last line of a 您是想问 list")
    choice_invalid = ReplyText("choice_invalid", "a number outside the list just shown", ("count",))
    no_list = ReplyText("no_list", "a number when no list was shown in the last few minutes")
    subscribe_list = ReplyText("subscribe_list", "订阅 alone: the numbered topics", ("topics",))
    subscribe_done = ReplyText("subscribe_done", "topics subscribed", ("names",))
    subscribe_first_note = ReplyText("subscribe_first_note", "after a follower's first subscription")
    subscribe_already = ReplyText("subscribe_already", "topics the follower had subscribed to already", ("names",))
    subscribe_unknown = ReplyText("subscribe_unknown", "a word that names no topic", ("word",))
    unsubscribe_done = ReplyText("unsubscribe_done", "topics unsubscribed", ("names",))
    unsubscribe_not_subscribed = ReplyText("unsubscribe_not_subscribed", "退订 of a topic the follower did not have",
                                           ("names",))
    unsubscribe_all_done = ReplyText("unsubscribe_all_done", "退订 全部", ("names",))
    unsubscribe_hint = ReplyText("unsubscribe_hint", "退订 alone: which topics can be unsubscribed", ("names",))
    subscriptions_none = ReplyText("subscriptions_none", "我的订阅 / 退订 with no subscription")
    my_subscriptions = ReplyText("my_subscriptions", "我的订阅: the follower's topics", ("topics",))
    person_contact = ReplyText("person_contact", "the follower asked for a person and the account has no customer "
                               "service: the office's contact card", ("contact",))
    person_misses = ReplyText("person_misses", "questions in a row the bot could not answer: the contact card",
                              ("contact",))
    person_transfer = ReplyText("person_transfer", "the follower is handed to customer service (sent as a "
                                "customer-service message)")
    not_it_others = ReplyText("not_it_others", "不对 right after an answer: the first line of the other candidates")
    not_it_contact = ReplyText("not_it_contact", "不对 right after an answer, no other candidate: the contact card",
                               ("contact",))
    not_it_nothing = ReplyText("not_it_nothing", "不对 when no answer was just given")
    subscriptions_unavailable = ReplyText("subscriptions_unavailable", "a subscription command while Redis is down")


ALL_TEXTS: tuple[ReplyText, ...] = tuple(v for v in vars(Say).values() if isinstance(v, ReplyText))
