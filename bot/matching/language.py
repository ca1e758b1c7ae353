"""Which language a follower wrote in, for answering in it when an entry has an answer in that language.

Kana is only Japanese, so a message with kana is Japanese; a message with no Chinese character and some Latin
words is English (pinyin typed without tones reads as English here, and the entry's Chinese answer is what it
gets when no English one exists, as before); anything else is Chinese.
"""
from __future__ import annotations

import re

LANGUAGES = ("zh", "ja", "en")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def asker_language(text: str) -> str:
    """`ja`, `en` or `zh` for a message."""
    if _KANA.search(text):
        return "ja"
    if not _HAN.search(text) and len(_LATIN_WORD.findall(text)) >= 2:
        return "en"
    return "zh"
