"""Out-of-scope probes (tests/data/oos_probes.yaml): which ones the bot answers (it should answer none).

    python bench/oos.py            # the wrong-answer rate, then each answered probe with its entry and score
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.knowledge import load_knowledge  # noqa: E402
from bot.staff.evaluation import answered_probes, load_probes  # noqa: E402

PROBES = ROOT / "tests" / "data" / "oos_probes.yaml"


def main() -> None:
    """Print the rate and the offenders."""
    probes = load_probes(PROBES)
    wrong = answered_probes(probes, load_knowledge(ROOT / "knowledge"))
    print(f"out-of-scope probes answered: {len(wrong)}/{len(probes)} ({len(wrong) / max(len(probes), 1):.1%})")
    for q, r in wrong:
        print(f"  {q}  → {r['entry']} ({r['rule']}, {r['score']:.3f})")


if __name__ == "__main__":
    main()
