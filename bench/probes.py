"""In-scope probes (tests/data/probes_inscope.yaml): answered right / suggestion / wrong / fallback per kind.

    python bench/probes.py           # the table
    python bench/probes.py -v        # ... and every probe not answered right, with its decision
"""
from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PROBES = ROOT / "tests" / "data" / "probes_inscope.yaml"
OUTCOMES = ("right", "suggest", "wrong", "fallback")


def load_probes() -> list[dict]:
    """The labelled probes, each {q, expect: [ids], kind}."""
    items = yaml.safe_load(PROBES.read_text(encoding="utf-8")) or []
    return [{**item, "expect": item["expect"] if isinstance(item["expect"], list) else
             [item["expect"]] if item["expect"] else []} for item in items]


def outcome(result: dict, expect: list[str]) -> str:
    """right (answered with an expected entry), suggest (a 您是想问 list), wrong (another entry) or fallback;
    for an out-of-scope probe (expect: null): oos-answered, or kept out (oos-ok)."""
    if not expect:
        return "oos-answered" if result.get("entry") else "oos-ok"
    if result.get("entry"):
        return "right" if result["entry"] in expect else "wrong"
    if result.get("suggestions"):
        return "suggest"
    return "fallback"


def run(knowledge: object) -> list[tuple[dict, str, dict]]:
    """Every probe with its outcome and the evidence."""
    from bot.staff.ask import explain

    rows = []
    for item in load_probes():
        result = explain(str(item["q"]), knowledge)
        rows.append((item, outcome(result, item["expect"]), result))
    return rows


def main() -> None:
    """Print the table per kind (and the misses with -v)."""
    from bot.knowledge import load_knowledge

    rows = run(load_knowledge(ROOT / "knowledge"))
    by_kind: dict[str, Counter] = defaultdict(Counter)
    oos: Counter = Counter()
    for item, got, _ in rows:
        if got.startswith("oos"):
            oos[item["kind"]] += got == "oos-answered"
            oos["all"] += got == "oos-answered"
            oos["n"] += 1
            continue
        by_kind[item["kind"]][got] += 1
        by_kind["all"][got] += 1
    print(f"{'kind':<12}" + "".join(f"{name:>10}" for name in OUTCOMES) + f"{'n':>6}")
    for kind, counts in sorted(by_kind.items(), key=lambda kv: kv[0] == "all"):
        n = sum(counts.values())
        print(f"{kind:<12}" + "".join(f"{counts[name] / n:>10.1%}" for name in OUTCOMES) + f"{n:>6}")
    print(f"out-of-scope probes answered: {oos['all']}/{oos['n']} "
          f"({', '.join(f'{k} {v}' for k, v in oos.items() if k not in ('all', 'n'))})")
    if "-v" in sys.argv[1:]:
        for item, got, result in rows:
            if got not in ("right", "oos-ok"):
                shown = result.get("entry") or ",".join(result.get("suggestions") or []) or "-"
                print(f"  [{item['kind']}] {got:<8} {item['q']}  → {shown} ({result.get('score', 0):.3f}) "
                      f"want {','.join(item['expect'])}  tokens={' '.join(result.get('tokens') or [])}")


if __name__ == "__main__":
    main()
