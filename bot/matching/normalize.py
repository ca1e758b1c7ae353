"""Text normalization shared by the knowledge and the follower's message: one form for both sides."""
from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

import yaml

CHINESE_DATA = Path(__file__).with_name("data") / "chinese.yaml"


def _general_words() -> dict:
    """data/chinese.yaml: the general words every knowledge is read with (each list explained there)."""
    return yaml.safe_load(CHINESE_DATA.read_text(encoding="utf-8"))


_WORDS = _general_words()
# Said around a question but carrying no meaning; removed before cutting into words, in the file's order.
FILLER_PHRASES: tuple[str, ...] = tuple(str(w) for w in _WORDS["filler_phrases"])
# Single words dropped after cutting (question words are not among them: they carry the intent).
STOPWORDS: frozenset[str] = frozenset(str(w) for w in _WORDS["stopwords"])
# Dropped only from long messages (run-ons), where they carry no intent.
RUNON_WORDS: frozenset[str] = frozenset(str(w) for w in _WORDS["runon_words"])
RUNON_MIN_CHARS: int = int(_WORDS["runon_min_chars"])
# Other ways of asking the same thing, mapped before matching so both sides agree.
QUESTION_WORD_FORMS: dict[str, str] = {str(k): str(v) for k, v in _WORDS["question_word_forms"].items()}
# Kept for matching, but not enough alone to say what a question is about.
QUESTION_WORDS: frozenset[str] = frozenset(str(w) for w in _WORDS["question_words"])

_PUNCT = re.compile(r"[^\w\s]+|_+")
_SPACES = re.compile(r"\s+")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
_CN_NUMBER = "零〇一二三四五六七八九两十百"
# Chinese numerals only where they clearly are numbers: 第十八届, 十八届, 二〇一九年, 九月, 十六日.
_NUMERAL_CONTEXT = re.compile(rf"(第)([{_CN_NUMBER}]+)|([{_CN_NUMBER}]+)(?=届|年度|年|月|日|号|名|位|人)")

_KANA = re.compile(r"[\u3040-\u30ff]")
_HIRAGANA_RUN = re.compile(r"[\u3040-\u309f]+")
JAPANESE_DATA = Path(__file__).with_name("data") / "japanese.yaml"


@lru_cache(maxsize=1)
def _japanese() -> tuple[re.Pattern[str], dict[str, str], re.Pattern[str]]:
    """data/japanese.yaml: one pattern for its words (longest forms first), the words, and the droppable runs."""
    raw = yaml.safe_load(JAPANESE_DATA.read_text(encoding="utf-8")) or {}
    words = {unicodedata.normalize("NFKC", str(k)).lower(): str(v) for k, v in (raw.get("words") or {}).items()}
    forms = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))
    drop = sorted({str(d) for d in raw.get("drop") or ()}, key=len, reverse=True)
    return forms, words, re.compile(f"(?:{'|'.join(re.escape(d) for d in drop)})+")


@lru_cache(maxsize=1)
def kanji_table() -> dict[int, str]:
    """data/japanese.yaml's `kanji`: Japanese-only character forms → simplified Chinese, for str.translate."""
    raw = yaml.safe_load(JAPANESE_DATA.read_text(encoding="utf-8")) or {}
    return {ord(str(k)): str(v) for k, v in (raw.get("kanji") or {}).items() if len(str(k)) == 1}


def japanese_to_chinese(text: str) -> str:
    """Text with kana: its Japanese words in the Chinese the matcher reads, particles and endings dropped."""
    forms, words, droppable = _japanese()
    text = forms.sub(lambda m: f" {words[m.group(0)]} ", text)
    return _HIRAGANA_RUN.sub(lambda m: " " if droppable.fullmatch(m.group(0)) else f" {m.group(0)} ", text)


_converter = None
_converter_lock = threading.Lock()
_traditional: frozenset[str] | None = None  # every character OpenCC t2s may change; None: always convert


def to_simplified(text: str) -> str:
    """Traditional → simplified with one OpenCC instance per process (built on first use).

    Most messages are already simplified: OpenCC (pure Python, ~30 µs) only runs when a character it could
    change is present.
    """
    global _converter, _traditional
    if _converter is None:
        with _converter_lock:
            if _converter is None:
                import opencc

                converter = opencc.OpenCC("t2s")
                converter.convert("測")  # loads the dictionaries
                _traditional = _changeable(converter)
                _converter = converter
    if _traditional is not None and not any(ch in _traditional for ch in text):
        return text
    return _converter.convert(text)


def _changeable(converter) -> frozenset[str] | None:
    """The characters the t2s dictionaries change (phrases included); None when their layout is unknown."""
    try:
        found: set[str] = set()
        for _, _, table in converter.dict_cache.values():
            for source, target in table.items():
                first = target.split()[0] if isinstance(target, str) else str(target[0])
                if len(source) != len(first):
                    found.update(source)
                else:
                    found.update(a for a, b in zip(source, first, strict=True) if a != b)
        return frozenset(found) if found else None
    except (AttributeError, TypeError, ValueError, IndexError):
        return None


def chinese_number(numeral: str) -> str | None:
    """十八 → 18, 二〇一九 → 2019, 一百零一 → 101; None when it is not a plain number."""
    if not numeral or numeral in ("两",):
        return None
    if all(ch in _CN_DIGITS for ch in numeral):
        if len(numeral) == 1:
            return str(_CN_DIGITS[numeral])
        return "".join(str(_CN_DIGITS[ch]) for ch in numeral) if len(numeral) >= 3 else None
    total, current = 0, 0
    for ch in numeral:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    return str(total + current)


_ORDINAL = re.compile(r"\b(\d{1,3})(?:st|nd|rd|th)\b")
_EDITION_WORDS = re.compile(r"seminar|session|conference|forum|meeting|edition")


def _ordinals(text: str) -> str:
    """14th → 第14 (第14届 when the text speaks of a seminar or another recurring event)."""
    if not _ORDINAL.search(text):
        return text
    suffix = "届" if _EDITION_WORDS.search(text) else ""
    return _ORDINAL.sub(lambda m: f" 第{m.group(1)}{suffix} ", text)


def _numerals(text: str) -> str:
    def repl(match: re.Match) -> str:
        prefix, numeral = (match.group(1), match.group(2)) if match.group(1) else ("", match.group(3))
        value = chinese_number(numeral)
        return prefix + value if value is not None else match.group(0)

    return _NUMERAL_CONTEXT.sub(repl, text)


@lru_cache(maxsize=65_536)
def normalize(text: str) -> str:
    """NFKC, lowercase, traditional → simplified, numerals, punctuation and filler phrases removed."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    if _KANA.search(text):
        text = japanese_to_chinese(text)
    text = to_simplified(text.translate(kanji_table()))
    text = _PUNCT.sub(" ", text).replace("哪一", "哪")
    for filler in FILLER_PHRASES:
        if filler in text:
            text = text.replace(filler, " ")
    text = _ordinals(_numerals(text))
    return _SPACES.sub(" ", text).strip()


def is_cjk(text: str) -> bool:
    """True when every character is a CJK ideograph."""
    return bool(text) and all("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in text)
