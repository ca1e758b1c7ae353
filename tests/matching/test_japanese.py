"""Japanese questions: kana runs kept whole, grammar dropped, Japanese-only kanji read as simplified Chinese."""
from __future__ import annotations

import pytest

from bot.matching.normalize import kanji_table, normalize
from bot.matching.tokenize import rejoin_kana
from bot.staff.ask import explain


@pytest.mark.parametrize(("pieces", "joined"), [
    (["セ", "ミ", "ナ", "ー"], ["セミナー"]),  # katakana cut per character is one word again
    (["CLAIR", "の", "海外", "は", "い", "く", "つ"], ["CLAIR", "海外"]),  # hiragana alone is grammar
    (["東京", "オ", "フ", "ィ", "ス", "で", "す", "か"], ["東京", "オフィス"]),
    (["ｾ", "ﾐ", "ﾅ", "ｰ"], ["ｾﾐﾅｰ"]),  # half-width katakana too
    (["长野", "滑雪"], ["长野", "滑雪"]),  # Chinese is untouched
])
def test_kana_runs_are_glued_and_grammar_dropped(pieces, joined) -> None:
    assert rejoin_kana(pieces) == joined


def test_japanese_only_kanji_read_as_simplified_chinese() -> None:
    table = kanji_table()
    assert len(table) >= 100 and all(len(v) == 1 for v in table.values())
    assert "県".translate(table) == "县" and "専門家".translate(table) == "专門家"  # 門: OpenCC's part
    assert "县" not in "".join(chr(k) for k in table)  # only Japanese forms are keys
    assert normalize("専門家派遣").startswith("专") and normalize("長野県の観光").startswith("长野县")


@pytest.mark.parametrize(("question", "entry"), [
    ("CLAIRの海外事務所はいくつありますか", "clair-overseas-offices"),
    ("北京事務所の電話番号を教えてください", "contact-phone"),
])
def test_japanese_questions_find_their_entry(real_knowledge, question, entry) -> None:
    result = explain(question, real_knowledge)
    assert entry in {result["entry"], *result["suggestions"]}, result["tokens"]
    assert not any(len(t) == 1 and "\u3040" <= t <= "\u30ff" for t in result["tokens"])  # no kana crumbs
