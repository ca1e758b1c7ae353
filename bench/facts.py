"""Which brochure facts the bot answers directly (tests/data/brochure_facts.yaml), and why the others fail.

    python bench/facts.py            # one line per failing fact, grouped by reason, then the count

The check itself is bot/staff/brochure_facts.py (the test suite asks every fact through it).
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.knowledge import load_knowledge  # noqa: E402
from bot.staff.brochure_facts import check_fact, entry_pages, load_facts  # noqa: E402

FACTS_FILE = ROOT / "tests" / "data" / "brochure_facts.yaml"


def main() -> None:
    """Print every fact that is not answered directly, grouped by reason."""
    knowledge = load_knowledge(ROOT / "knowledge")
    pages = entry_pages(Path(knowledge.root))
    checks = [check_fact(f, knowledge, pages) for f in load_facts(FACTS_FILE)]
    failing = sorted((c for c in checks if not c.ok), key=lambda c: c.reason)
    for check in failing:
        r = check.result
        got = r.get("entry") or ",".join(r.get("suggestions") or []) or r.get("handler")
        where = f"held by {','.join(check.holders[:3])}" if check.holders else f"missing={list(check.missing)}"
        print(f"{check.reason:22} {check.fact['ask']}  → {got}  {where}")
    print(f"{len(checks) - len(failing)}/{len(checks)} facts answered directly")


if __name__ == "__main__":
    main()
