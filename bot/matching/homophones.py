"""Homophone typos (电化 → 电话, 长叶县 → 长野县): pinyin input methods make them; pinyin repairs them."""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping

from pypinyin import lazy_pinyin

from bot.matching.normalize import is_cjk

_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
# A window of the message is only replaced when jieba's general dictionary hardly knows it as a word:
# 电化 (25) is a typo here, 时间 (33,288) is a word the follower meant.
RARE_FREQ = 100
MAX_WORD = 10  # 自治体国际化协会 is 8 characters


def syllables(text: str) -> tuple[str, ...]:
    """Toneless pinyin, one syllable per Chinese character; other runs are kept as they are."""
    if not text:
        return ()
    return tuple(s.strip() for s in lazy_pinyin(text) if s.strip())


class HomophoneRepair:
    """Knows the pinyin of every word the knowledge uses and rewrites sound-alike windows to them."""

    def __init__(self, vocabulary: Mapping[str, int], *, base_freq: Mapping[str, int],
                 synonyms: Mapping[str, str] | None = None) -> None:
        synonyms = synonyms or {}
        by_sound: dict[tuple[str, ...], dict[str, tuple[int, str]]] = defaultdict(dict)
        words = set()
        for word, uses in vocabulary.items():
            if 2 <= len(word) <= MAX_WORD and is_cjk(word):
                words.add(word)
                meaning = synonyms.get(word, word)
                best = by_sound[syllables(word)].get(meaning)
                if best is None or uses > best[0]:
                    by_sound[syllables(word)][meaning] = (uses, word)
        self.words = frozenset(words)
        # A sound shared by words of different meanings goes to the one the knowledge uses most; a tie is
        # ambiguous: no repair. (Spellings of one meaning, 秋田县 / 秋田県, are not a tie.)
        self.by_sound: dict[tuple[str, ...], str] = {}
        for sound, meanings in by_sound.items():
            ranked = sorted(meanings.values(), reverse=True)
            if len(ranked) == 1 or ranked[0][0] > ranked[1][0]:
                self.by_sound[sound] = ranked[0][1]
        self.base_freq = base_freq

    def fix(self, text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
        """The text with sound-alike windows replaced, and the (typed, meant) pairs."""
        repairs: list[tuple[str, str]] = []
        pieces: list[str] = []
        last = 0
        for run in _HAN_RUN.finditer(text):
            fixed = self._fix_run(run.group(0), repairs)
            pieces.append(text[last:run.start()])
            pieces.append(fixed)
            last = run.end()
        if not repairs:
            return text, ()
        pieces.append(text[last:])
        return "".join(pieces), tuple(repairs)

    def _fix_run(self, run: str, repairs: list[tuple[str, str]]) -> str:
        sounds = lazy_pinyin(run)
        if len(sounds) != len(run):
            return run
        out: list[str] = []
        i, n = 0, len(run)
        while i < n:
            step = 1
            for size in range(min(MAX_WORD, n - i), 1, -1):
                window = run[i:i + size]
                if window in self.words:
                    step = size
                    out.append(window)
                    break
                meant = self.by_sound.get(tuple(sounds[i:i + size]))
                if meant and self.base_freq.get(window, 0) < RARE_FREQ:
                    repairs.append((window, meant))
                    out.append(meant)
                    step = size
                    break
            else:
                out.append(run[i])
            i += step
        return "".join(out)
