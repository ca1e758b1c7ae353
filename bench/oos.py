"""Out-of-scope probes (tests/data/oos_probes.yaml): which ones the bot answers (it should answer none).

    python bench/oos.py            # the wrong-answer rate, then each answered probe with its entry and score
"""
from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PROBES = ROOT / "tests" / "data" / "oos_probes.yaml"


def load_probes() -> list[str]:
    """The probe questions."""
    return [str(q) for q in yaml.safe_load(PROBES.read_text(encoding="utf-8")) or []]


def answered(knowledge: object) -> list[tuple[str, dict]]:
    """The probes the bot answers directly, with the evidence."""
    from bot.staff.ask import explain

    results = [(q, explain(q, knowledge)) for q in load_probes()]
    return [(q, r) for q, r in results if r.get("entry")]


def main() -> None:
    """Print the rate and the offenders."""
    from bot.knowledge import load_knowledge

    probes, wrong = load_probes(), answered(load_knowledge(ROOT / "knowledge"))
    print(f"out-of-scope probes answered: {len(wrong)}/{len(probes)} ({len(wrong) / max(len(probes), 1):.1%})")
    for q, r in wrong:
        print(f"  {q}  → {r['entry']} ({r['rule']}, {r['score']:.3f})")


if __name__ == "__main__":
    main()
