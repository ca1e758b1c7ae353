"""Cutting normalized text into words: jieba with the domain dictionary, synonyms, homophone repair."""
from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from bot.matching.homophones import HomophoneRepair, syllables
from bot.matching.normalize import (
    QUESTION_WORD_FORMS,
    QUESTION_WORDS,
    RUNON_MIN_CHARS,
    RUNON_WORDS,
    STOPWORDS,
    is_cjk,
    normalize,
)

PLACE_SUFFIXES = ("县", "市", "府", "省", "町", "村")
_base = None
_base_lock = threading.Lock()
_SPACE = re.compile(r"\s+")


def base_tokenizer():
    """jieba's main dictionary, loaded once per process (the costly part: ~0.5-2 s)."""
    global _base
    if _base is None:
        with _base_lock:
            if _base is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _base = tokenizer
    return _base


def _fresh_copy():
    """A tokenizer sharing nothing mutable with the base: words added to it leak nowhere."""
    import jieba

    base = base_tokenizer()
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ = dict(base.FREQ)
    tokenizer.total = base.total
    tokenizer.initialized = True
    return tokenizer


@dataclass(frozen=True)
class Lexicon:
    """Domain words for jieba (word → frequency or None) and synonyms (variant → canonical), normalized."""

    words: Mapping[str, int | None] = field(default_factory=dict)
    synonyms: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Analysis:
    """A text as the matcher sees it."""

    text: str
    normalized: str
    tokens: tuple[str, ...]
    meaningful: tuple[str, ...]
    repairs: tuple[tuple[str, str], ...] = ()
    repaired: Analysis | None = None  # the same text with homophone typos repaired, when any were found

    @property
    def joined(self) -> str:
        return " ".join(self.tokens)


RUNON_DROPPED = STOPWORDS | RUNON_WORDS
VARIANT_FREQ = 5000  # jieba frequency floor for the knowledge's synonym variants


class DomainTokenizer:
    """One knowledge version's way of cutting text: built once, used for every message."""

    def __init__(self, lexicon: Lexicon, extra_words: Iterable[str] = ()) -> None:
        self.lexicon = lexicon
        self._jieba = _fresh_copy()
        self.synonyms = {**QUESTION_WORD_FORMS, **lexicon.synonyms}
        self._phrases = sorted((v for v in self.synonyms if " " in v), key=len, reverse=True)
        added = set()
        for word, freq in lexicon.words.items():
            if word and " " not in word:
                self._jieba.add_word(word, freq if freq and freq > 0 else None)
                added.add(word)
        # Question-word spellings (哪年, 啥时候) are cut whole so that they can be mapped; their mapped forms
        # are not added (在哪里 must stay 在 + 哪里, as jieba cuts it in every other sentence).
        domain = {*extra_words, *lexicon.synonyms.keys(), *lexicon.synonyms.values(),
                  *(k for k in QUESTION_WORD_FORMS if not k.isascii())}
        for word in sorted(w for w in domain if w and " " not in w and w not in added):
            if len(word) > 1 and (word not in self._jieba.FREQ or not self._jieba.FREQ[word]):
                self._jieba.add_word(word)
            added.add(word)
        # A variant followers type (老大 for 所长) beats an everyday word it overlaps (老大叫啥: 老大 叫, not 老 大叫).
        for word in lexicon.synonyms:
            if 2 <= len(word) <= 4 and is_cjk(word) and self._jieba.FREQ.get(word, 0) < VARIANT_FREQ:
                self._jieba.add_word(word, VARIANT_FREQ)
        self.domain_words = frozenset(added)
        self.repair: HomophoneRepair | None = None
        self.known: frozenset[str] = frozenset()  # every word the knowledge uses, set once the index is built

    def split_unknown(self, word: str, dropped: frozenset[str] = STOPWORDS) -> list[str] | None:
        """A word no entry knows that jieba glued from a known word and a particle or light verb (那届, 推些, 会发):
        the pieces without the particle ([] for particles only: 搞个); None when it is no such glue (日本料理 and
        购物中心 stay whole: words nobody knows)."""
        if not self.known or word in self.known or len(word) < 2 or len(word) > 4 or not is_cjk(word):
            return None
        for cut in range(1, len(word)):
            left, right = word[:cut], word[cut:]
            pieces = [self.synonyms.get(p, p) for p in (left, right)]
            if all(p in dropped or p in self.known or p in QUESTION_WORDS for p in pieces) and any(
                    p in dropped or p in QUESTION_WORDS for p in pieces):
                return [p for p in pieces if p not in dropped]
        return None

    def add_place_stems(self, vocabulary: Iterable[str]) -> None:
        """长野 → 长野县, 名张 → 名张市: a place typed without its suffix, when the knowledge never uses the bare
        stem as a word of its own. Called once at build, after the phrasings are cut (they do not contain the
        stems, so they need no second cut)."""
        used = set(vocabulary)
        for word in sorted(self.domain_words | used):
            stem = word[:-1]
            if word.endswith(PLACE_SUFFIXES) and len(stem) >= 2 and stem not in used and stem not in self.synonyms:
                self.synonyms[stem] = self.synonyms.get(word, word)  # not added to jieba: that could re-cut word

    def enable_repair(self, vocabulary: Mapping[str, int]) -> None:
        """Fix homophone typos (电化 → 电话) towards words the knowledge uses (word → uses); once, at build."""
        self.repair = HomophoneRepair(vocabulary, base_freq=self._jieba.FREQ, synonyms=self.synonyms)

    def cut(self, normalized: str) -> list[str]:
        """Words of an already normalized text, synonyms mapped, particles dropped."""
        for phrase in self._phrases:
            if phrase in normalized:
                normalized = re.sub(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])",
                                    f" {self.synonyms[phrase]} ", normalized)
        dropped = RUNON_DROPPED if len(normalized) - normalized.count(" ") >= RUNON_MIN_CHARS else STOPWORDS
        words = []
        for raw in rejoin_kana(_rejoin_latin(self._jieba.lcut(normalized))):
            word = raw.strip()
            if not word:
                continue
            word = self.synonyms.get(word) or next(
                (self.synonyms[f] for f in base_forms(word) if f in self.synonyms), None) or lemma(word)
            if " " in word:
                words.extend(w for w in word.split() if w not in dropped)
            elif word not in dropped:
                pieces = self.split_unknown(word, dropped)
                words.extend([word] if pieces is None else pieces)
        return words

    def analyze(self, text: str) -> Analysis:
        """Normalize and cut; when a sound-alike repair applies, the repaired reading rides along."""
        normalized = normalize(text)
        analysis = self._analysis(text, normalized)
        if self.repair is not None:
            fixed, repairs = self.repair.fix(normalized)
            if repairs:
                repaired = self._analysis(text, fixed, repairs=repairs)
                return Analysis(text=text, normalized=analysis.normalized, tokens=analysis.tokens,
                                meaningful=analysis.meaningful, repaired=repaired)
        return analysis

    def _analysis(self, text: str, normalized: str, *, repairs: tuple[tuple[str, str], ...] = ()) -> Analysis:
        tokens = tuple(self.cut(normalized))
        meaningful = tuple(t for t in tokens if t not in QUESTION_WORDS)
        return Analysis(text=text, normalized=_SPACE.sub(" ", normalized).strip(), tokens=tokens,
                        meaningful=meaningful, repairs=repairs)


_HIRAGANA_ONLY = re.compile(r"[\u3040-\u309f]+")
_KATAKANA_ONLY = re.compile(r"[\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f]+")  # ー and half-width forms too


def _script(piece: str) -> str:
    """`hiragana`, `katakana` or '' (anything else) for a piece jieba cut."""
    if _HIRAGANA_ONLY.fullmatch(piece):
        return "hiragana"
    return "katakana" if _KATAKANA_ONLY.fullmatch(piece) else ""


def rejoin_kana(pieces: list[str]) -> list[str]:
    """jieba cuts kana one character at a time (セミナー → セ/ミ/ナ/ー): glue each run of one script back into one
    word, and drop runs of hiragana alone, which are Japanese grammar (particles, verb endings: かれていますか), not
    content; a katakana word is a word (オフィス), the hiragana after it is not part of it (オフィスですか).
    normalize() has already turned the Japanese words it knows into Chinese (bot/matching/data/japanese.yaml)."""
    out: list[str] = []
    previous = ""
    for piece in pieces:
        script = _script(piece)
        if script and script == previous:
            out[-1] += piece
        else:
            out.append(piece)
        previous = script
    return [p for p in out if not _HIRAGANA_ONLY.fullmatch(p)]


def _rejoin_latin(pieces: list[str]) -> list[str]:
    """jieba splits Latin words on dictionary entries (overseas → over/sea/s): glue them back together."""
    out: list[str] = []
    glued = False
    for piece in pieces:
        latin = piece.isascii() and piece.isalnum()
        if latin and glued:
            out[-1] += piece
        else:
            out.append(piece)
        glued = latin
    return out


def singular(word: str) -> str:
    """offices → office, cities → city: English plurals folded on both sides (short words left alone)."""
    if len(word) < 5 or not word.isascii() or not word.isalpha() or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") else word


# English verb forms that no suffix rule finds.
IRREGULAR = {"held": "hold", "sent": "send", "taken": "take", "took": "take", "made": "make", "did": "do",
             "done": "do", "said": "say", "went": "go", "gone": "go", "began": "begin", "begun": "begin",
             "ate": "eat", "eaten": "eat", "seen": "see", "saw": "see", "met": "meet", "paid": "pay",
             "founded": "found", "built": "build", "chosen": "choose", "written": "write", "wrote": "write"}


def base_forms(word: str) -> tuple[str, ...]:
    """Possible base forms of an English word (attended → attend, hired → hire/hir, cities → city), best first."""
    if not word.isascii() or not word.isalpha() or len(word) < 4:
        return ()
    if word in IRREGULAR:
        return (IRREGULAR[word],)
    forms: list[str] = []
    if word.endswith("ied") or word.endswith("ies"):
        forms.append(word[:-3] + "y")
    if word.endswith("ed") and len(word) >= 5:
        forms += [word[:-1], word[:-2]] + ([word[:-3]] if word[-3] == word[-4] else [])
    if word.endswith("ing") and len(word) >= 6:
        forms += [word[:-3], word[:-3] + "e"] + ([word[:-4]] if word[-4] == word[-5] else [])
    if singular(word) != word:
        forms.append(singular(word))
    return tuple(forms)


# Stems whose base form ends in a silent e: organiz(ed) → organize, locat(ing) → locate, hir(ed) → hire.
_SILENT_E = ("iz", "is", "at", "ir", "ur", "iv", "ov", "uc", "ag", "ar", "rc", "ut", "od", "id", "ud", "ak", "ok")


def lemma(word: str) -> str:
    """One base form for both sides: irregular verbs, -ed, -ing (organized → organize, planning → plan), plurals."""
    if word in IRREGULAR:
        return IRREGULAR[word]
    if not word.isascii() or not word.isalpha() or len(word) < 5:
        return word
    stem = singular(word)
    if stem.endswith("ied"):
        stem = stem[:-3] + "y"
    elif stem.endswith("ed") or (stem.endswith("ing") and len(stem) >= 6):
        stem = stem[:-2] if stem.endswith("ed") else stem[:-3]
        if stem[-1] == stem[-2] and stem[-1] not in "sl":
            stem = stem[:-1]
        elif stem.endswith(_SILENT_E):
            stem += "e"
    return stem


@lru_cache(maxsize=50_000)
def token_syllables(token: str) -> tuple[str, ...]:
    """The pinyin of one word (non-Chinese words stay as they are)."""
    return syllables(token)
