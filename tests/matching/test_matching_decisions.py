"""The three outcomes on a small synthetic knowledge: answer, 您是想问 list, fallback; never a substring accident."""
from __future__ import annotations

from dataclasses import replace

import pytest

from bot.knowledge.texts import Say
from bot.matching import Candidate, Policy, decide
from bot.matching.rerank import Signals
from bot.staff.ask import explain


@pytest.mark.parametrize(("text", "entry", "rule"), [
    ("电话", "contact-phone", "keyword"),
    ("电话是多少？", "contact-phone", "keyword"),  # a keyword with only question words around it
    ("phone", "contact-phone", "keyword"),  # an alias (synonym) of the keyword
    ("JET", "jet-about", "keyword"),
    ("你们电话多少", "contact-phone", "keyword"),
    ("怎么打电话给你们", "contact-phone", "phrasing"),
    ("電話號碼是多少", "contact-phone", "phrasing"),  # traditional characters
    ("电化号码是多少", "contact-phone", "phrasing"),  # homophone typo
    ("JET项目是干嘛的", "jet-about", "keyword"),  # 干嘛 is a question word: the keyword with a question around it
    ("JET项目是做什么的", "jet-about", "named"),  # 做 is unknown to this small knowledge: not the lower route
    ("如何申请JET项目", "jet-apply", "phrasing"),
    ("怎么申请JET项目", "jet-apply", "phrasing"),  # 如何 and 怎么 are one question word
    ("長野縣滑雪場推薦一下", "tourism-nagano-ski", "phrasing"),
    ("长叶县有哪些景点", "tourism-nagano", "phrasing"),
])
def test_answers(small_knowledge, text: str, entry: str, rule: str) -> None:
    result = explain(text, small_knowledge)  # the default decision: the entry answered
    assert (result["decision"], result["entry"]) == ("answer", entry), result
    # the rules decision (BOT_MATCH_DECISION=rules) answers it too, by the route named
    rules = explain(text, small_knowledge, decision="rules")
    assert (rules["decision"], rules["entry"], rules["rule"]) == ("answer", entry, rule), rules


@pytest.mark.parametrize(("text", "offered"), [
    ("申请", {"jet-apply"}),  # token_set_ratio would say 100 against 「JET项目 怎么 申请」
    ("长野", {"tourism-nagano", "tourism-nagano-ski"}),
    ("长野县", {"tourism-nagano", "tourism-nagano-ski"}),
])
def test_short_messages_get_a_list_not_an_accident(small_knowledge, text: str, offered: set[str]) -> None:
    result = explain(text, small_knowledge)
    assert result["decision"] == "suggest" and result["entry"] is None, result
    assert offered <= set(result["suggestions"])
    assert result["reply"].startswith(small_knowledge.text(Say.suggest_intro))
    assert "1. " in result["reply"]


@pytest.mark.parametrize("text", ["签证怎么办", "日元汇率", "东京天气怎么样", "今天吃什么", "哈哈哈哈"])
def test_nothing_close_falls_back(small_knowledge, text: str) -> None:
    result = explain(text, small_knowledge)
    assert (result["decision"], result["entry"], result["handler"]) == ("fallback", None, "fallback"), result
    assert result["reply"] == small_knowledge.text(Say.fallback)


def test_an_answer_with_a_link_is_a_news_card(small_knowledge) -> None:
    result = explain("长野县有什么好玩的", small_knowledge)
    assert result["reply_kind"] == "NewsReply"
    assert "https://www.go-nagano.net/" in result["reply"]


def test_the_evidence_is_in_the_result(small_knowledge) -> None:
    result = explain("JET项目主要是干嘛的", small_knowledge)
    assert result["normalized"] == "jet项目主要是干嘛的"
    assert result["tokens"] == ["jet项目", "主要", "是", "干嘛"]
    assert result["unknown"] == ["主要"]
    assert result["candidates"][0]["id"] == "jet-about"
    # the calibrated decision lists the candidates by the model's probability of each being the one asked
    probabilities = [c["probability"] for c in result["candidates"]]
    assert probabilities == sorted(probabilities, reverse=True)
    # the rules decide on the best candidate's match score itself, the candidates in the order of that score
    rules = explain("JET项目主要是干嘛的", small_knowledge, decision="rules")
    assert rules["candidates"][0]["id"] == "jet-about"
    assert rules["candidates"][0]["score"] == rules["score"]
    scores = [c["score"] for c in rules["candidates"]]
    assert scores == sorted(scores, reverse=True)


def _candidate(entry: str, score: float, *, word_query: float = 1.0, word_doc: float = 1.0) -> Candidate:
    return Candidate(entry, entry, score, entry, Signals(1.0, word_query, word_doc, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0))


POLICY = Policy(answer=0.7, margin=0.1, answer_low=0.5, margin_high=0.3, suggest=0.4, window=0.2, max_choices=3)


@pytest.mark.parametrize(("scores", "n_tokens", "kind", "choices"), [
    ([0.9, 0.5], 4, "answer", ()),
    ([0.9, 0.85], 4, "suggest", ("a", "b")),  # too close: margin only between different entries
    ([0.6, 0.25], 4, "answer", ()),  # lower, but far ahead of the rest
    ([0.6, 0.45], 4, "suggest", ("a", "b")),
    ([0.45, 0.42, 0.41, 0.40, 0.40], 4, "suggest", ("a", "b", "c")),  # at most max_choices
    ([0.9, 0.6, 0.3], 4, "answer", ()),
    ([0.3], 4, "fallback", ()),
    ([], 0, "fallback", ()),
    ([0.95, 0.2], 1, "suggest", ("a",)),  # one word: never a fuzzy answer
])
def test_decision_policy(scores: list[float], n_tokens: int, kind: str, choices: tuple[str, ...]) -> None:
    candidates = [_candidate(name, s) for name, s in zip("abcde", scores, strict=False)]
    decision = decide(candidates, n_tokens=n_tokens, policy=POLICY)
    assert (decision.kind, decision.choices) == (kind, choices)
    assert decision.entry_id == ("a" if kind == "answer" else None)


@pytest.mark.parametrize(("word_query", "word_doc", "kind"), [(1.0, 0.8, "answer"), (0.6, 0.8, "suggest"),
                                                              (1.0, 0.3, "suggest")])
def test_two_words_answer_only_when_a_phrasing_is_about_both(word_query: float, word_doc: float, kind: str) -> None:
    candidates = [_candidate("a", 0.9, word_query=word_query, word_doc=word_doc), _candidate("b", 0.2)]
    # (the entry-level route is off here: see test_two_words_the_entry_owns_answer)
    assert decide(candidates, n_tokens=2, policy=replace(POLICY, short_entry_cover=1.01)).kind == kind


def _close(entry: str, score: float, *, answer: float, entry_cover: float, explained: float) -> Candidate:
    return Candidate(entry, entry, score, entry,
                     Signals(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, answer, entry_cover, explained))


@pytest.mark.parametrize(("top", "second", "kind", "rule"), [
    # named: the top entry's phrasings hold the message's words, the runner-up (its overview) only knows them
    ((0.62, 0.4, 0.76, 0.81), (0.58, 0.4, 0.35, 0.81), "answer", "named"),
    ((0.62, 0.4, 0.60, 0.81), (0.58, 0.4, 0.45, 0.81), "suggest", "fuzzy"),  # lead too small
    ((0.62, 0.4, 0.76, 0.57), (0.58, 0.4, 0.35, 0.34), "suggest", "fuzzy"),  # not related: unequal knowledge
    ((0.40, 0.4, 0.76, 0.81), (0.38, 0.4, 0.35, 0.81), "suggest", "fuzzy"),  # too low
    # shared: both answers hold the message's words alike (ALT in the 2022 table and in the ALT entry)
    ((0.74, 0.62, 0.5, 0.9), (0.73, 0.62, 0.5, 1.0), "answer", "shared"),
    ((0.74, 0.62, 0.5, 0.9), (0.73, 0.40, 0.5, 1.0), "suggest", "fuzzy"),
    ((0.50, 0.62, 0.5, 0.9), (0.49, 0.62, 0.5, 1.0), "suggest", "fuzzy"),
])
def test_close_calls(top: tuple, second: tuple, kind: str, rule: str) -> None:
    candidates = [_close("a", top[0], answer=top[1], entry_cover=top[2], explained=top[3]),
                  _close("b", second[0], answer=second[1], entry_cover=second[2], explained=second[3])]
    decision = decide(candidates, n_tokens=5)
    assert (decision.kind, decision.rule) == (kind, rule)
    assert decision.entry_id == ("a" if kind == "answer" else None)


def test_close_calls_never_answer_a_short_message() -> None:
    candidates = [_close("a", 0.7, answer=0.7, entry_cover=1.0, explained=1.0),
                  _close("b", 0.69, answer=0.7, entry_cover=0.2, explained=1.0)]
    assert decide(candidates, n_tokens=1).kind == "suggest"


@pytest.mark.parametrize(("top", "second", "entry", "rule"), [
    # the runner-up is named by the message (上海 in its phrasings), the top one is an overview that only knows it
    ((0.88, 0.6, 0.55, 0.9), (0.73, 0.6, 1.0, 0.9), "b", "detail"),
    ((0.88, 0.6, 0.55, 0.9), (0.60, 0.6, 1.0, 0.9), "a", "fuzzy"),  # too far behind
    ((0.88, 0.6, 0.55, 0.9), (0.73, 0.6, 1.0, 0.6), "a", "fuzzy"),  # not related: unequal knowledge
    ((0.88, 0.6, 0.80, 0.9), (0.73, 0.6, 1.0, 0.9), "a", "fuzzy"),  # named hardly more
])
def test_a_named_detail_beats_its_overview(top: tuple, second: tuple, entry: str, rule: str) -> None:
    candidates = [_close("a", top[0], answer=top[1], entry_cover=top[2], explained=top[3]),
                  _close("b", second[0], answer=second[1], entry_cover=second[2], explained=second[3])]
    decision = decide(candidates, n_tokens=5)
    assert (decision.kind, decision.entry_id, decision.rule) == ("answer", entry, rule)


@pytest.mark.parametrize(("unknown", "kind"), [(0.0, "answer"), (0.2, "answer"), (0.5, "suggest")])
def test_the_lower_route_can_require_known_words(unknown: float, kind: str) -> None:
    policy = Policy(answer=0.7, margin=0.1, answer_low=0.5, margin_high=0.3, suggest=0.4, low_unknown_max=0.3)
    candidates = [_candidate("a", 0.6), _candidate("b", 0.25)]
    assert decide(candidates, n_tokens=4, policy=policy, unknown=unknown).kind == kind


@pytest.mark.parametrize(("word_query", "entry_cover", "kind"), [
    (0.6, 1.0, "answer"),  # both words are the entry's own, in different phrasings (滋贺县 + 旅游景点)
    (0.6, 0.8, "suggest"),  # one word is not
])
def test_two_words_the_entry_owns_answer(word_query: float, entry_cover: float, kind: str) -> None:
    top = Candidate("a", "a", 0.9, "a", Signals(1.0, word_query, 0.8, 1.0, 1.0, 1.0, 0.0, 0.0, entry_cover, 1.0))
    assert decide([top, _candidate("b", 0.2)], n_tokens=2, policy=replace(POLICY, short_entry_cover=0.99)).kind == kind
