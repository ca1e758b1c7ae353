"""Held-out phrasings: how the matcher does on paraphrases it has never seen, without touching the test split.

    python bench/holdout.py [--folds 5]

The similar phrasings of knowledge/faq are split into folds (by hash); each fold is removed from the index in
turn and asked as if a follower typed it. Standard questions and keywords stay. This measures generalization
of the matcher's decision (answer / list / fallback) on hundreds of realistic phrasings; pair it with
bench/oos.py for out-of-scope questions. Rows have bench/tune_match.py's shape, so settings can be compared.
"""
from __future__ import annotations

import argparse
import sys
import zlib
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.tune_match import evaluate  # noqa: E402
from bot.knowledge import load_knowledge  # noqa: E402
from bot.knowledge.faq import index_entry  # noqa: E402
from bot.matching import FaqIndex  # noqa: E402
from bot.matching.decide import DEFAULT_POLICY  # noqa: E402
from bot.staff.evaluation import Question  # noqa: E402


def fold_of(text: str, folds: int) -> int:
    """The fold a phrasing belongs to (fixed by its text)."""
    return zlib.crc32(text.encode("utf-8")) % folds


def collect(folds: int = 5) -> list[tuple]:
    """One row per held-out similar phrasing, in bench/tune_match.py's row shape."""
    faq = load_knowledge(ROOT / "knowledge").faq
    entries = [index_entry(e) for e in faq.entries.values()]
    lexicon = faq.index.tokenizer.lexicon
    rows = []
    for k in range(folds):
        kept, held = [], []
        for entry in entries:
            out = [p for p in entry.phrasings if p.kind == "similar" and fold_of(p.text, folds) == k]
            kept.append(replace(entry, phrasings=tuple(p for p in entry.phrasings if p not in out)))
            held.extend((p.text, entry.id) for p in out)
        index = FaqIndex.build(kept, lexicon)
        for text, entry_id in held:
            rows.append(_row(index, Question(q=text, expect=frozenset({entry_id}), kind="holdout")))
    return rows


def _row(index: FaqIndex, question: Question) -> tuple:
    analysis = index.analyze(question.q)
    docs = [(index.entries[index.docs[d].entry].id, view, sig) for view, d, sig in index.signals(analysis)]
    asked = index.numbers_of(analysis)
    shifts = ({index.entries[n].id: index.numbers.agreement(asked, n)[:2] for n in range(len(index.entries))}
              if asked else {})
    return question, index.exact(analysis), len(analysis.tokens), docs, shifts


def main() -> None:
    """Print the figures of the current setting on the held-out phrasings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    rows = collect(args.folds)
    weights = load_knowledge(ROOT / "knowledge").faq.index.weights
    figures = evaluate(rows, weights, DEFAULT_POLICY)
    print(f"{len(rows)} held-out phrasings: " + " ".join(f"{k}={v:.3f}" for k, v in figures.items()
                                                           if k != "wrong_oos"))


if __name__ == "__main__":
    main()
