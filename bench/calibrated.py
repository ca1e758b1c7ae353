"""The calibrated decision beside the rule-based one, on the held-out test split, in one run.

    python bench/calibrated.py

Both read the same candidates of the same index; the calibrated decision (bot/matching/matcher.py, weights and
thresholds from `bot kb calibrate`) is what followers get by default, the rule-based one (bot/matching/decide.py,
BOT_MATCH_DECISION=rules) is measured beside it. The test split is never used by
`bot kb calibrate`.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.knowledge import load_knowledge  # noqa: E402
from bot.matching import decide  # noqa: E402
from bot.matching.matcher import match  # noqa: E402
from bot.staff.evaluation import load_questions  # noqa: E402
from handlers.faq import analysis_of  # noqa: E402


def main() -> None:
    knowledge = load_knowledge(ROOT / "knowledge")
    faq = knowledge.faq
    questions = load_questions(ROOT / "tests" / "data" / "questions_test.yaml")
    counts = {name: {"right": 0, "within": 0, "wrong": 0, "oos": 0} for name in ("rules", "calibrated")}
    n_in = sum(1 for q in questions if q.in_scope)
    n_out = len(questions) - n_in
    for q in questions:
        analysis = analysis_of(faq, q.q)
        index = faq.index
        rules = decide(index.rank(analysis), n_tokens=len(analysis.tokens), exact=index.exact(analysis),
                       unknown=index.unknown_share(analysis))
        for name, d in (("rules", rules), ("calibrated", match(index, analysis))):
            c = counts[name]
            if q.in_scope:
                ok = d.kind == "answer" and d.entry_id in q.expect
                c["right"] += ok
                c["within"] += ok or bool(q.expect & set(d.choices))
                c["wrong"] += d.kind == "answer" and not ok
            else:
                c["oos"] += d.kind == "answer"
    print(f"test split: {n_in} in scope, {n_out} out of scope (matcher level: no clause or gap handling)")
    for name, c in counts.items():
        print(f"  {name:<11} right {c['right'] / n_in:.1%}  within one {c['within'] / n_in:.1%}  "
              f"wrong {c['wrong'] / n_in:.1%}  out of scope answered {c['oos'] / max(n_out, 1):.1%}")


if __name__ == "__main__":
    main()
