"""Text normalization shared by the knowledge and the follower's message: one form for both sides."""
from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

import yaml

# Said around a question but carrying no meaning; removed from the text before cutting into words.
FILLER_PHRASES = ("麻烦问一下", "我想问一下", "想请问一下", "我想了解一下", "我想咨询一下", "我想请问", "请问一下",
                  "想问一下", "我想问问", "我想知道", "我想了解", "我想咨询", "打扰一下", "麻烦您", "麻烦你",
                  "请问", "我想问", "想问", "请教", "咨询一下", "了解一下", "打扰了", "你好", "您好", "谢谢",
                  "哈喽", "一下", "就是说", "就是", "然后", "其实", "到底", "那么",
                  # Spoken run-ons: hesitation and hedging around the question (嗯就是我想…但是不知道…).
                  "但是不知道", "不知道", "但是", "好像", "我听朋友说", "听朋友说", "听别人说", "听人说",
                  "我听说", "听说", "说实话", "有点好奇", "挺好奇的", "好奇")

# Single words dropped after cutting (particles, pronouns). Question words such as 哪里/多少/几/什么时候
# are deliberately absent: they carry the intent ("你们在哪里办公" is not "你们几点办公").
STOPWORDS = frozenset("""
的 了 吗 呢 吧 啊 呀 哦 嘛 么 哈 啦 喔 嗯 哇 呗 咯 嘞 噢 哎 诶 额 呃 请 下 个 就 都 还 又 也 和 与 及 跟 把 被 给
我 你 您 你们 您们 我们 咱们 贵 这 那 这个 那个 这些 那些 一些 一点 东西 知道 告诉 问 问问 请教 咨询 了解 一个 一般
the a an of is are am was were be do does did to in on at for you your yours me my i we our us please can could
would will tell know about want wanna need with and or it its this that there here any some hi hello hey thanks thank
thing things s t have has had been being get got they them their from by as into also just only very
不 没 every there explain say his her should shall might must
""".split())

# Words of spoken run-ons (嗯我想问问就是你们这个公众号平时都会发一些什么内容啊) that carry no intent there; dropped
# only from long messages, where the question sits among them. A short message keeps them: there they may be
# the point, and dropping them would let an out-of-scope question look like a known one.
RUNON_WORDS = frozenset("""
想 些 真的 具体 看看 回事 一回事 听懂 太 里面 那种 这种 平时 块儿 玩意儿 上去 有人 搞 弄 不会 下周 一 说
""".split())
RUNON_MIN_CHARS = 14  # a message this long (normalized, filler phrases removed) is a run-on

# Words that ask the same thing in other ways; mapped before matching so both sides agree.
QUESTION_WORD_FORMS = {
    "啥": "什么", "what": "什么", "咋": "怎么", "how": "怎么", "如何": "怎么", "怎样": "怎么",
    "咋样": "怎么样", "为啥": "为什么", "why": "为什么",
    "哪儿": "哪里", "哪边": "哪里", "何处": "哪里", "哪": "哪里", "where": "哪里", "who": "谁", "有木有": "有没有",
    "何时": "什么 时候", "几时": "什么 时候", "啥时候": "什么 时候", "多会儿": "什么 时候", "哪年": "什么 时候",
    "哪天": "什么 时候", "when": "什么 时候", "几": "多少", "几个": "多少", "多少个": "多少", "几位": "多少",
    # Question words glued to a counter by jieba (第几届, 哪次, 到哪去): the counter stays, the question word is one.
    "几届": "多少 届", "哪届": "哪个 届", "几次": "多少 次", "哪次": "哪个 次", "几场": "多少 场", "几天": "多少 天",
    "几年": "多少 年", "到哪去": "去 哪里", "去哪": "去 哪里", "哪来": "哪里 来", "怎么弄": "怎么 办",
    "咋弄": "怎么 办",
    "怎么回事": "怎么", "咋回事": "怎么", "怎么一回事": "怎么", "咋搞": "怎么", "怎么搞": "怎么", "啥玩意儿": "什么",
    "啥玩意": "什么", "什么样": "什么", "啥样": "什么", "which": "哪个", "几名": "多少 名", "几人": "多少 人",
    "多少名": "多少 名",
}

# Question words and light verbs: kept for matching, but not enough alone to say what the question is about.
QUESTION_WORDS = frozenset("""
什么 怎么 怎么样 怎样 如何 哪里 在哪里 哪些 哪个 哪年 哪天 哪位 多少 几 几个 几点 几年 几号 几月
多久 多长 多大 什么时候 为什么 时候 谁 是 有 在 有没有 可以 能 能不能 会 要 需要 怎么办 是不是 叫
干嘛 干啥 干什么 做什么
what where when who how which why much many
""".split())

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
    text = to_simplified(text)
    text = _PUNCT.sub(" ", text).replace("哪一", "哪")
    for filler in FILLER_PHRASES:
        if filler in text:
            text = text.replace(filler, " ")
    text = _ordinals(_numerals(text))
    return _SPACES.sub(" ", text).strip()


def is_cjk(text: str) -> bool:
    """True when every character is a CJK ideograph."""
    return bool(text) and all("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in text)
