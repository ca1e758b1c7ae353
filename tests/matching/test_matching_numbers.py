"""Numbers as constraints: the same edition / day / year wins, a different one of the same kind loses."""
from __future__ import annotations

import pytest

from bot.matching.normalize import normalize
from bot.matching.numbers import NumberTable, number_facts
from bot.staff.ask import explain


@pytest.mark.parametrize(("text", "facts"), [
    ("第7届研讨会", {("届", 7)}),
    ("第七届研讨会在哪", {("届", 7)}),
    ("第十三届那个研讨会", {("届", 13)}),
    ("十八届研讨会", {("届", 18)}),
    ("the 7th seminar", {("届", 7)}),
    ("首届研讨会", {("届", 1)}),
    ("first seminar", {("届", 1)}),
    ("福州研讨会第三天", {("天", 3)}),
    ("北京第二次办研讨会", {("次", 2)}),
    ("第2次研讨会在哪个城市举行", {("届", 2)}),  # 次 right before the seminar names an edition
    ("第18回日中地域間交流推進セミナー", {("届", 18)}),
    ("2019年研讨会", {("年", 2019)}),
    ("19年的研讨会", {("年", 2019)}),
    ("二〇一九年", {("年", 2019)}),
    ("seminar 2007", {("年", 2007)}),
    ("2022年度JET", {("年", 2022)}),
    ("成立30年来", set()),  # a span of years, not a year
    ("电话6513-8791", set()),
    ("共1428名", set()),
    ("研讨会在哪", set()),
])
def test_number_facts(text: str, facts: set) -> None:
    assert number_facts(normalize(text)) == facts


TABLE = NumberTable([
    {("届", 2), ("年", 2003)},  # 0: one edition
    {("届", 11), ("年", 2012)},  # 1: another edition
    set(),  # 2: the overview names no number
    {("年", 2019)}, {("年", 2019)}, {("年", 2019)}, {("年", 2019)},  # 3-6: a year many entries name
])


@pytest.mark.parametrize(("asked", "entry", "telling", "clashes"), [
    ({("届", 2)}, 0, 1, 0),
    ({("届", 2)}, 1, 0, 1),
    ({("届", 2)}, 2, 0, 0),  # neutral: no number of that kind
    ({("年", 2003)}, 0, 1, 0),
    ({("年", 2003)}, 1, 0, 1),
    ({("年", 2019)}, 3, 0, 0),  # shared by four entries: not telling, not a clash
    ({("年", 2019)}, 0, 0, 1),
    ({("届", 2), ("年", 2012)}, 1, 1, 1),
    ({("年", 2003), ("年", 2012)}, 0, 1, 0),  # one of two years asked matches: no clash
    ({("天", 3)}, 0, 0, 0),
])
def test_agreement(asked: set, entry: int, telling: int, clashes: int) -> None:
    assert TABLE.agreement(frozenset(asked), entry)[:2] == (telling, clashes)


@pytest.mark.parametrize(("text", "entry"), [
    ("第2届研讨会在哪里办的", "seminar-02"),
    ("2007年研讨会的主题", "seminar-06"),
    ("2007年研讨会的主题是什么", "seminar-06"),
    ("第十三届研讨会在哪个城市", "seminar-13"),
    ("第5届研讨会主题", "seminar-05"),
    ("2015年研讨会在哪里开的", "seminar-14"),
    ("第2次研讨会在哪个城市举行", "seminar-02"),
])
def test_the_numbered_entry_is_answered(real_knowledge, text: str, entry: str) -> None:
    result = explain(text, real_knowledge)
    assert (result["decision"], result["entry"]) == ("answer", entry), result["candidates"]


def test_a_clashing_number_is_in_the_trace(real_knowledge) -> None:
    result = explain("2007年研讨会的主题", real_knowledge)
    notes = {c["id"]: c.get("notes", "") for c in result["candidates"]}
    assert notes["seminar-06"] == "=2007年"
    assert any(note.startswith("≠2007年") for note in notes.values())
