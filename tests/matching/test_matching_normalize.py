"""Normalization and cutting: both sides of a match see the same words."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge import load_knowledge
from bot.matching.normalize import chinese_number, normalize
from tests.kbkit import write_knowledge


@pytest.mark.parametrize(("text", "expected"), [
    ("ＪＥＴ项目是什么？", "jet项目是什么"),  # full width folded, case, punctuation
    ("長野縣有什麼好玩的", "长野县有什么好玩的"),  # traditional → simplified
    ("请问一下，你们的电话是多少呢？", "你们的电话是多少呢"),  # filler phrases go, particles stay for the cutter
    ("你们在哪里办公", "你们在哪里办公"),  # question words stay
    ("第十八届研讨会", "第18届研讨会"),
    ("二〇一九年的研讨会", "2019年的研讨会"),
    ("一下子", "子"),
    ("   ", ""),
    ("", ""),
])
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(("numeral", "value"), [("十八", "18"), ("二十", "20"), ("一百零一", "101"), ("九", "9"),
                                                ("二〇二三", "2023"), ("两", None), ("三五", None)])
def test_chinese_number(numeral: str, value: str | None) -> None:
    assert chinese_number(numeral) == value


@pytest.mark.parametrize(("text", "tokens"), [
    ("JET项目是什么", ("jet项目", "是", "什么")),
    ("JET是啥", ("jet项目", "是", "什么")),  # synonym and question-word form mapped
    ("ＪＥＴ計劃是什麼", ("jet项目", "是", "什么")),
    ("请问你们的电话是多少呢？", ("电话", "是", "多少")),  # particles and pronouns dropped
    ("你们电话号几个", ("电话", "多少")),
    ("where are the overseas offices", ("哪里", "oversea", "office")),  # Latin words kept whole, plurals folded
    ("what is your phone number", ("什么", "电话", "number")),
    ("长野县什么时候去最好", ("长野县", "什么", "时候", "去", "最好")),
    ("扬州研讨会是第几届", ("扬州", "研讨会", "是", "第", "多少", "届")),  # question word glued to a counter
    ("在哪次活动做的", ("在", "哪个", "次", "活动", "做")),
    ("电话号码到哪去查", ("电话号码", "去", "哪里", "查")),
])
def test_tokens(small_index, text: str, tokens: tuple[str, ...]) -> None:
    assert small_index.analyze(text).tokens == tokens


def test_question_words_are_not_meaningful_alone(small_index) -> None:
    assert small_index.analyze("电话是多少").meaningful == ("电话",)


@pytest.mark.parametrize(("typed", "meant"), [("电化号码是多少", "电话号码是多少"),
                                             ("长叶县有什么好玩的", "长野县有什么好玩的")])
def test_homophone_typos_are_repaired(small_index, typed: str, meant: str) -> None:
    analysis = small_index.analyze(typed)
    assert analysis.repaired is not None
    assert analysis.repaired.normalized == meant


@pytest.mark.parametrize("text", ["时间是多少", "电话是多少", "长野县"])
def test_real_words_are_not_repaired(small_index, text: str) -> None:
    assert small_index.analyze(text).repaired is None


def test_domain_words_do_not_leak_between_versions(tmp_path: Path) -> None:
    first = load_knowledge(write_knowledge(tmp_path / "a", words="札幌雪祭 2000 n\n")).faq.index
    second = load_knowledge(write_knowledge(tmp_path / "b", words="")).faq.index
    assert "札幌雪祭" in first.analyze("札幌雪祭在哪").tokens
    assert "札幌雪祭" not in second.analyze("札幌雪祭在哪").tokens


@pytest.mark.parametrize(("text", "normalized"), [
    ("CLAIRの海外事務所はいくつありますか", "clair 海外事务所 多少 有"),  # particles dropped, いくつ → 多少
    ("JETプログラムの参加者は何人ですか", "jet 项目 参加者 多少人"),
    ("北京事務所の電話番号を教えてください", "北京事务所 电话"),
    ("わんこそば", "わんこそば"),  # a hiragana word is not a particle: it stays
    ("北京事务所的电话", "北京事务所的电话"),  # no kana: Chinese is untouched
])
def test_japanese_is_read_in_the_matchers_chinese(text, normalized):
    assert normalize(text) == normalized
