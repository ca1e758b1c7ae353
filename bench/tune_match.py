"""Tune the matcher's weights and thresholds on the DEV questions only (never on the test split).

    python bench/tune_match.py [--samples 3000] [--seed 7] [--probes]

Signals are computed once per question with the real index; random weights and thresholds are then tried
against them. Prints the current setting's figures and the best settings found (objective: answered right,
minus twice the wrong answers, in-scope and out-of-scope). Copy a chosen setting into bot/matching/rerank.py
(Weights) and bot/matching/decide.py (Policy) by hand.
"""
from __future__ import annotations

import argparse
import heapq
import random
import sys
from dataclasses import fields, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.knowledge import load_knowledge  # noqa: E402
from bot.matching.decide import DEFAULT_POLICY, Policy, decide  # noqa: E402
from bot.matching.index import Candidate  # noqa: E402
from bot.matching.rerank import Signals, Weights  # noqa: E402
from bot.staff.evaluation import Question, load_probes, load_questions  # noqa: E402

DATA = ROOT / "tests" / "data"  # the labelled questions and probes
SIGNALS = [f.name for f in fields(Signals)]  # each has a weight of the same name


def collect(index, *, probes: bool = False) -> list[tuple]:
    """Per dev question (and probe): labels, exact hit, word count, (entry id, view, signals) per phrasing."""
    rows = []
    questions = load_questions(DATA / "questions_dev.yaml")
    if probes:
        questions += [Question(q=q, expect=frozenset(), kind="probe") for q in load_probes(DATA / "oos_probes.yaml")]
    for question in questions:
        analysis = index.analyze(question.q)
        docs = [(index.entries[index.docs[d].entry].id, view, sig) for view, d, sig in index.signals(analysis)]
        asked = index.numbers_of(analysis)
        shifts = {index.entries[n].id: index.numbers.agreement(asked, n)[:2] for n in range(len(index.entries))
                  } if asked else {}
        rows.append((question, index.exact(analysis), len(analysis.tokens), docs, shifts))
    return rows


def evaluate(rows: list[tuple], weights: Weights, policy: Policy) -> dict[str, float]:
    """Answered right / suggestion / wrong on the dev questions for one setting, through the real decide()."""
    counts = dict(n_in=0, n_oos=0, right=0, suggested=0, wrong_in=0, wrong_oos=0)
    for question, exact, n_tokens, docs, shifts in rows:
        best: dict[str, tuple[float, Signals]] = {}
        for entry, view, sig in docs:
            score = weights.score(sig, view)
            if entry not in best or score > best[entry][0]:
                best[entry] = (score, sig)
        for entry, (telling, clashes) in shifts.items():
            if entry in best:
                shift = weights.number_match * min(telling, 1) - weights.number_clash * min(clashes, 1)
                best[entry] = (best[entry][0] + shift, best[entry][1])
        ranked = heapq.nlargest(5, best.items(), key=lambda item: item[1][0])
        candidates = [Candidate(entry, "", round(min(max(s, 0.0), 1.0), 4), "", sig) for entry, (s, sig) in ranked]
        unknown = min((view.unknown for _, view, _ in docs), default=0.0)  # the best reading (typos repaired)
        decision = decide(candidates, n_tokens=n_tokens, exact=exact, policy=policy, unknown=unknown)
        answer = decision.entry_id if decision.kind == "answer" else None
        if question.in_scope:
            counts["n_in"] += 1
            counts["right"] += answer in question.expect
            counts["wrong_in"] += answer is not None and answer not in question.expect
            counts["suggested"] += answer is None and bool(question.expect & set(decision.choices))
        else:
            counts["n_oos"] += 1
            counts["wrong_oos"] += answer is not None
    n_in, n_oos = max(counts["n_in"], 1), max(counts["n_oos"], 1)
    return {"right": counts["right"] / n_in, "suggested": counts["suggested"] / n_in,
            "wrong_in": counts["wrong_in"] / n_in, "wrong_oos": counts["wrong_oos"] / n_oos}


def objective(figures: dict[str, float]) -> float:
    """Answered right, a wrong answer costing three right ones (out of scope: four), a useful list a fifth of one."""
    return figures["right"] - 3 * figures["wrong_in"] - 4 * figures["wrong_oos"] + 0.2 * figures["suggested"]


def main() -> None:
    """Search and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--probes", action="store_true", help="count tests/data/oos_probes.yaml as out-of-scope")
    args = parser.parse_args()
    index = load_knowledge(ROOT / "knowledge").faq.index
    rows = collect(index, probes=args.probes)
    print("current:", _short(evaluate(rows, index.weights, DEFAULT_POLICY)))
    rng = random.Random(args.seed)
    found = [_tried(rows, _random_weights(rng), _random_policy(rng)) for _ in range(args.samples)]
    found.sort(key=lambda item: -item[0])
    for _ in range(args.samples // 4):  # then small steps around the best settings so far
        _, _, weights, policy = rng.choice(found[:5])
        found.append(_tried(rows, _nudge(weights, rng), _nudge(policy, rng)))
        found.sort(key=lambda item: -item[0])
    halves = [rows[0::2], rows[1::2]]
    for score, figures, weights, policy in found[:8]:
        split = " | ".join(_short(evaluate(half, weights, policy)) for half in halves)
        print(f"{score:.3f} {_short(figures)}   halves: {split}\n    {weights}\n    {policy}")


def _short(figures: dict[str, float]) -> str:
    return " ".join(f"{name}={value:.3f}" for name, value in figures.items())


WEIGHT_STEPS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4)
POLICY_CHOICES = {"answer": (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7), "margin": (0.0, 0.02, 0.04, 0.06, 0.08, 0.12),
                  "answer_low": (0.35, 0.4, 0.45, 0.5, 0.55), "margin_high": (0.1, 0.15, 0.2, 0.25, 0.3),
                  "suggest": (0.25, 0.3, 0.35, 0.4), "short_doc_cover": (0.4, 0.5, 0.6, 0.7)}


def _tried(rows: list[tuple], weights: Weights, policy: Policy) -> tuple:
    figures = evaluate(rows, weights, policy)
    return objective(figures), figures, weights, policy


def _random_weights(rng: random.Random) -> Weights:
    return Weights(**{name: rng.choice(WEIGHT_STEPS) for name in SIGNALS})


def _random_policy(rng: random.Random) -> Policy:
    return Policy(**{name: rng.choice(values) for name, values in POLICY_CHOICES.items()})


def _nudge(setting, rng: random.Random):
    """The same setting with one value moved by a small step."""
    if isinstance(setting, Weights):
        name = rng.choice(SIGNALS)
        value = max(0.0, round(getattr(setting, name) + rng.choice((-0.05, 0.05)), 2))
    else:
        name = rng.choice(list(POLICY_CHOICES))
        value = max(0.0, round(getattr(setting, name) + rng.choice((-0.02, 0.02)), 2))
    return replace(setting, **{name: value})


if __name__ == "__main__":
    main()
