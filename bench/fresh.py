"""The matcher on the frozen fresh question set (tests/data/questions_fresh.yaml), labelled by brochure facts.

    python bench/fresh.py [--show wrong,missed,answered] [--decision calibrated|rules]

The set was written from the brochure without looking at the knowledge and is never tuned on: its figures say
how the bot does on questions nobody wrote down. Per question the first reply is judged (bot/staff/fact_scoring.py):
right in the first reply, within one follow-up (「更多」 or a 您是想问 item), a wrong answer, or missed; out-of-scope
questions answered with an entry count against the bot.
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.knowledge import load_knowledge  # noqa: E402
from bot.staff.fact_scoring import Scored, figures, load_fact_questions, score_all  # noqa: E402

FRESH = ROOT / "tests" / "data" / "questions_fresh.yaml"


def pct(value: float) -> str:
    return "   -  " if value != value else f"{value * 100:5.1f}%"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", default="", help="verdicts to list, comma-separated (wrong, missed, answered…)")
    parser.add_argument("--decision", choices=("rules", "calibrated"), default="calibrated",
                        help="the calibrated model (what followers get by default) or the rules")
    args = parser.parse_args()
    knowledge = load_knowledge(ROOT / "knowledge")
    scored = score_all(load_fact_questions(FRESH), knowledge, args.decision)
    total = figures(scored)
    print(f"fresh set: {total['n_in']} in-scope, {total['n_out']} out-of-scope (knowledge {knowledge.version}, "
          f"{args.decision} decision)")
    print(f"  right in the first reply   {pct(total['first'])}")
    print(f"  within one follow-up       {pct(total['within_one'])}")
    print(f"  answered wrongly           {pct(total['wrong'])}")
    print(f"  missed (list or fallback)  {pct(total['missed'])}")
    print(f"  out-of-scope answered      {pct(total['out_answered'])}  (near {pct(total['near_answered'])}, "
          f"far {pct(total['far_answered'])})")
    by_style: dict[str, list[Scored]] = defaultdict(list)
    for s in scored:
        by_style[s.question.style].append(s)
    print(f"\n  {'style':<12} {'n':>4}  {'first':>6}  {'≤1 more':>7}  {'wrong':>6}  {'OOS ans.':>8}")
    for style, group in sorted(by_style.items()):
        f = figures(group)
        print(f"  {style:<12} {len(group):>4}  {pct(f['first'])}  {pct(f['within_one']):>7}  {pct(f['wrong'])}  "
              f"{pct(f['out_answered']):>8}")
    shown = {v.strip() for v in args.show.split(",") if v.strip()}
    for s in scored:
        if s.verdict in shown:
            print(f"{s.verdict:<9} {s.question.id} [{s.question.style}] {s.question.text[:60]!r} → "
                  f"{s.decision} {s.entry or ''}")


if __name__ == "__main__":
    main()
