"""Spoken run-ons and English: filler dropped, question words kept, English verb forms and ordinals folded."""
from __future__ import annotations

import pytest

from bot.matching import Candidate, Policy, decide
from bot.matching.normalize import normalize
from bot.matching.rerank import Signals
from bot.matching.tokenize import base_forms, lemma


@pytest.mark.parametrize(("text", "gone", "kept"), [
    ("嗯就是我想给你们发个邮件但是不知道邮箱是什么", ("不知道", "但是", "就是"), ("邮箱", "什么")),
    ("我听说你们有个JET项目是真的吗", ("听说",), ("jet项目",)),
    ("我听朋友说你们有JET项目", ("朋友",), ("jet项目",)),
    ("那个我有点好奇你们电话多少", ("好奇",), ("电话", "多少")),
])
def test_spoken_filler_goes_question_words_stay(text: str, gone: tuple[str, ...], kept: tuple[str, ...]) -> None:
    normalized = normalize(text)
    assert not any(word in normalized for word in gone), normalized
    assert all(word in normalized for word in kept), normalized


@pytest.mark.parametrize(("text", "tokens"), [
    ("你们电话还在用不", ("电话", "在", "用")),  # a trailing 不 asks; it is not a word nobody knows
    ("JET项目平时是什么我没太听懂", ("jet项目", "是", "什么")),
    ("那个电话号码里面具体应该是多少", ("电话号码", "应该", "是", "多少")),  # long: a run-on
    ("电话号码具体是多少", ("电话号码", "具体", "是", "多少")),  # short: every word may be the point
])
def test_conversational_words_are_dropped(small_index, text: str, tokens: tuple[str, ...]) -> None:
    assert small_index.analyze(text).tokens == tokens


@pytest.mark.parametrize(("text", "expected"), [
    ("where was the 14th seminar held", "where was the 第14届 seminar held"),  # an edition of a seminar
    ("the 2nd conference", "the 第2届 conference"),
    ("my 3rd visit", "my 第3 visit"),  # an ordinal without a recurring event: no 届
    ("jet 2019", "jet 2019"),  # plain numbers untouched
])
def test_english_ordinals(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(("word", "base"), [
    ("attended", "attend"), ("discussed", "discuss"), ("hired", "hire"), ("organized", "organize"),
    ("organizes", "organize"), ("planning", "plan"), ("located", "locate"), ("visited", "visit"),
    ("taken", "take"), ("held", "hold"), ("sent", "send"), ("cities", "city"), ("offices", "office"),
    ("office", "office"), ("website", "website"), ("jet", "jet"), ("说", "说"),
])
def test_lemma(word: str, base: str) -> None:
    assert lemma(word) == base


def test_base_forms_offer_the_synonym_keys() -> None:
    assert "hire" in base_forms("hired") and "attend" in base_forms("attended") and base_forms("jet") == ()


def test_english_verb_forms_meet_on_both_sides(small_index) -> None:
    assert small_index.analyze("who organized it").tokens == small_index.analyze("who organizes it").tokens


def _lone(score: float, explained: float) -> Candidate:
    signals = Signals(sort_ratio=0.5, word_query=0.5, word_doc=0.5, pair_query=0.5, pair_doc=0.5, sound=0.5,
                      keyword=0.0, answer=0.5, entry=0.5, explained=explained)
    return Candidate(entry_id="contact-fax", question="q", score=score, phrasing="p", signals=signals)


@pytest.mark.parametrize(("score", "explained", "unknown", "kind"), [
    (0.40, 0.80, 0.20, "answer"),  # the entry knows every known word of the message
    (0.40, 0.70, 0.20, "suggest"),  # a known word the entry does not know: ask
    (0.40, 0.60, 0.40, "suggest"),  # too many words nobody knows
    (0.30, 0.80, 0.20, "fallback"),  # below the list threshold
])
def test_a_lone_entry_covering_the_message_answers(score: float, explained: float, unknown: float, kind: str) -> None:
    policy = Policy(lone_score=0.33, lone_unknown_max=0.30)
    decision = decide([_lone(score, explained)], n_tokens=4, policy=policy, unknown=unknown)
    assert decision.kind == kind, decision
    if kind == "answer":
        assert decision.rule == "lone"


@pytest.mark.parametrize(("text", "tokens"), [
    ("JET项目是怎么回事", ("jet项目", "是", "怎么")),  # 怎么回事 asks how, like 怎么
    ("JET项目是啥玩意儿", ("jet项目", "是", "什么")),
    ("JET项目是什么样的", ("jet项目", "是", "什么")),
    ("2019年派遣了几名专家", None),  # 几名 asks how many
])
def test_spoken_question_words(small_index, text: str, tokens: tuple[str, ...] | None) -> None:
    got = small_index.analyze(text).tokens
    if tokens is None:
        assert "多少" in got and "几名" not in got, got
    else:
        assert got == tokens


def test_which_asks_like_its_chinese_form(small_index) -> None:
    assert small_index.analyze("which phone number").tokens == small_index.analyze("哪个 phone number").tokens


@pytest.mark.parametrize(("word", "pieces"), [
    ("我刷", None),  # 刷 is unknown to the small knowledge: not glue of known words
    ("那电话", ["电话"]),  # a known word glued to a particle
    ("电话号码", None),  # known: left whole
    ("日本签证", None),  # two pieces without a particle: a word nobody knows stays whole
    ("个的", []),  # particles only: nothing left
    ("是电话", ["是", "电话"]),  # a light verb glued on: both kept, as the cutter would have cut them
])
def test_glued_particles_come_off_known_words(small_index, word: str, pieces: list[str] | None) -> None:
    assert small_index.tokenizer.split_unknown(word) == pieces


@pytest.mark.parametrize(("text", "tokens"), [
    ("你们老大叫啥", ("所长", "叫", "什么")),  # the variant 老大 wins over jieba's everyday 大叫
    ("老大", ("所长",)),
    ("大叫一声", ("大叫", "一声")),  # without the variant around, jieba's words stay
])
def test_typed_variants_are_cut_whole(text: str, tokens: tuple[str, ...]) -> None:
    from bot.matching.tokenize import DomainTokenizer, Lexicon

    tokenizer = DomainTokenizer(Lexicon(synonyms={"老大": "所长"}))
    assert tuple(tokenizer.cut(normalize(text))) == tokens
