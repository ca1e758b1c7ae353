"""knowledge/synonyms.yaml and knowledge/words.txt: the words the matcher must know, checked line by line."""
from __future__ import annotations

import re
from pathlib import Path

from bot.knowledge.files import read_text, relative
from bot.knowledge.marked_yaml import read_marked
from bot.knowledge.problems import Problem
from bot.matching import Lexicon, normalize

_TAG = re.compile(r"^[A-Za-z]{1,4}$")


def load_lexicon(root: Path) -> tuple[Lexicon, list[Problem]]:
    """Read both files (each optional); the lexicon is empty where a file is missing or broken."""
    words, problems = load_words(root, root / "words.txt")
    synonyms, more = load_synonyms(root, root / "synonyms.yaml")
    return Lexicon(words=words, synonyms=synonyms), problems + more


def load_words(root: Path, path: Path) -> tuple[dict[str, int | None], list[Problem]]:
    """words.txt: one word per line, optionally followed by a frequency and a part-of-speech tag."""
    if not path.exists() and not path.is_symlink():
        return {}, []
    rel = relative(root, path)
    text, problems = read_text(root, path)
    if text is None:
        return {}, problems
    lines = text.splitlines()
    words: dict[str, int | None] = {}
    seen: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) > 3:
            problems.append(Problem(rel, number, f"'{line}': a word cannot contain spaces; "
                                                 "write: word [frequency] [tag] (词语不能包含空格)"))
            continue
        freq: int | None = None
        if len(parts) >= 2:
            if parts[1].isdigit() and int(parts[1]) > 0:
                freq = int(parts[1])
            elif len(parts) == 2 and _TAG.match(parts[1]):
                pass  # word and tag, no frequency
            else:
                problems.append(Problem(rel, number, f"'{parts[1]}' is not a frequency (a whole number above 0)"))
                continue
        if len(parts) == 3 and not _TAG.match(parts[2]):
            problems.append(Problem(rel, number, f"'{parts[2]}' is not a part-of-speech tag such as n, ns, nz"))
            continue
        word = normalize(parts[0])
        if not word or " " in word:
            problems.append(Problem(rel, number, f"'{parts[0]}' is not a word the matcher can use "
                                                 "(punctuation only, or punctuation inside)", "warning"))
            continue
        if word in seen:
            problems.append(Problem(rel, number, f"'{parts[0]}' is listed twice (also line {seen[word]})",
                                    "warning"))
            continue
        seen[word] = number
        words[word] = freq
    return words, problems


def load_synonyms(root: Path, path: Path) -> tuple[dict[str, str], list[Problem]]:
    """synonyms.yaml: `canonical: [variant, variant]`; every variant is read as its canonical word."""
    if not path.exists() and not path.is_symlink():
        return {}, []
    rel = relative(root, path)
    data, problems = read_marked(root, path)
    if data is None:
        return {}, problems
    if not isinstance(data.value, dict):
        problems.append(Problem(rel, data.line, "synonyms.yaml must be lines of `word: [variant, variant]`"))
        return {}, problems
    mapping: dict[str, str] = {}
    where: dict[str, int] = {}
    canonicals: dict[str, int] = {}
    for key, marked in data.value.items():
        canonical = normalize(key)
        if not canonical:
            problems.append(Problem(rel, marked.line, f"'{key}' is not a word"))
            continue
        canonicals[canonical] = marked.line
        variants = marked.value if isinstance(marked.value, list) else None
        if variants is None:
            if marked.value is None:
                problems.append(Problem(rel, marked.line, f"'{key}' has no variants", "warning"))
            else:
                problems.append(Problem(rel, marked.line, f"the variants of '{key}' must be a list: "
                                                          f"{key}: [variant, variant]"))
            continue
        for item in variants:
            if not item.is_text or not normalize(item.value):
                problems.append(Problem(rel, item.line, f"a variant of '{key}' must be a word"))
                continue
            variant = normalize(item.value)
            if variant == canonical:
                problems.append(Problem(rel, item.line, f"'{item.value}' is the same word as '{key}'", "warning"))
                continue
            if variant in mapping and mapping[variant] != canonical:
                problems.append(Problem(rel, item.line, f"'{item.value}' is already a variant of "
                                                        f"'{mapping[variant]}' (line {where[variant]})"))
                continue
            mapping[variant] = canonical
            where[variant] = item.line
    for variant, canonical in mapping.items():
        if variant in canonicals:
            problems.append(Problem(rel, where[variant], f"'{variant}' is listed as a word of its own "
                                                         f"(line {canonicals[variant]}) and as a variant of "
                                                         f"'{canonical}': keep one"))
    return mapping, problems
