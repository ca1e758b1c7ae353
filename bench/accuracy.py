"""Accuracy of the FAQ matcher on the labelled questions, next to two baselines, in one run.

    python bench/accuracy.py [--split test|dev] [--failures]

Systems: the product (bot.staff.ask.explain on the real knowledge); WeChat's built-in keyword auto-reply (one
"contains" rule per entry, first matching rule answers); plain rapidfuzz WRatio on the raw text against every
standard and similar question, answering above a threshold chosen on the dev split. The evaluation itself is
bot/staff/evaluation.py, on which the test suite holds floors; this prints its figures.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.knowledge import load_knowledge  # noqa: E402
from bot.staff.evaluation import KINDS, Question, Report, evaluate, load_questions  # noqa: E402

DATA = ROOT / "tests" / "data"  # the labelled questions, kept with the floors the test suite holds on them


def questions(split: str) -> list[Question]:
    """The labelled questions of one split (tests/data/questions_<split>.yaml)."""
    return load_questions(DATA / f"questions_{split}.yaml")


ROWS = (("top-1 right", "top1"), ("answered right (1st reply)", "answered_right"),
        ("suggestion-list hit", "suggest_hit"), ("answer or suggestion", "covered"),
        ("wrong answer, in-scope", "wrong_in"), ("wrong answer, out-of-scope", "wrong_oos"),
        ("fallback, in-scope", "fallback_in"), ("fallback, all", "fallback_all"))
SYSTEMS = ("product", "keyword", "wratio")


def print_report(report: Report, *, show_failures: bool = False) -> None:
    """A compact table for the split, then by kind (answered right / wrong on out-of-scope)."""
    overall = {s: report.rates(s) for s in SYSTEMS}
    print(f"split={report.split}: {overall['product']['n_in']} in-scope, {overall['product']['n_oos']} out-of-scope; "
          f"WRatio threshold {report.threshold} (chosen on dev); {report.verbatim} questions (short ones aside) "
          "appear word for word among the knowledge's phrasings")
    print(f"{'':28}{'product':>9}{'keyword':>9}{'wratio':>9}")
    for label, key in ROWS:
        print(f"{label:28}" + "".join(f"{overall[s][key]:9.3f}" for s in SYSTEMS))
    print(f"\nby kind: answered right (in-scope) / wrong answer (out-of-scope)\n{'kind':12}{'n':>8}"
          + "".join(f"{s:>14}" for s in SYSTEMS))
    for kind in KINDS:
        figures = {s: report.rates(s, kind) for s in SYSTEMS}
        n = f"{figures['product']['n_in']}/{figures['product']['n_oos']}"
        print(f"{kind:12}{n:>8}" + "".join(f"{_pct(figures[s]['answered_right'])} / {_pct(figures[s]['wrong_oos'])}"
                                            .rjust(14) for s in SYSTEMS))
    if show_failures:
        print("\nproduct failures:")
        for q, o in report.failures():
            expect = ",".join(sorted(q.expect)) or "null"
            got = o.answer or (f"suggest[{','.join(o.suggestions)}]" if o.suggestions else o.decision or "fallback")
            print(f"  [{q.kind}] {q.q}  expect={expect}  got={got}")


def _pct(value: float) -> str:
    return "  - " if value != value else f"{value * 100:3.0f}%"


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("test", "dev"), default="test")
    parser.add_argument("--failures", action="store_true", help="list the product's failures")
    args = parser.parse_args()
    knowledge = load_knowledge(ROOT / "knowledge")
    report = evaluate(knowledge, questions(args.split), dev=questions("dev"), split=args.split)
    print_report(report, show_failures=args.failures)


if __name__ == "__main__":
    main()
