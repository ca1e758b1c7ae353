"""One message through the calibrated matcher: exact rules, lexical candidates, the semantic signal, the model.

Followers get it by default; BOT_MATCH_DECISION=rules goes back to the rule-based decision (bot/matching/decide.py).
bench/calibrated.py and bench/fresh.py --decision rules|calibrated measure one beside the other.
"""
from __future__ import annotations

from dataclasses import replace

from bot.matching.calibrated import decide_calibrated
from bot.matching.decide import Decision
from bot.matching.encoder import embed
from bot.matching.features import Row, candidate_rows
from bot.matching.index import Candidate, FaqIndex
from bot.matching.model import DecisionModel, decision_model
from bot.matching.rerank import SIGNAL_NAMES, Signals
from bot.matching.semantic import Outside
from bot.matching.tokenize import Analysis

LEXICAL_CANDIDATES = 8  # entries the lexical rerank hands to the decision


def candidate_features(index: FaqIndex, analysis: Analysis, *, semantic: bool = True, staff_text: bool = False,
                       exclude: int | None = None) -> tuple[list[Candidate], list[Row], bool]:
    """The candidates of a message with their feature rows (same order), and whether the encoder ran.

    `staff_text`: the text is a menu button's, written by staff: its shortness says nothing about a follower's
    typing, so the short-message features are left at 0.
    """
    lexical = index.rank(analysis, limit=LEXICAL_CANDIDATES, exclude=exclude)
    position = {e.id: n for n, e in enumerate(index.entries)}
    by_entry = {position[c.entry_id]: c for c in lexical}
    similarities = cosines = None
    outside = Outside(-1.0, "")
    used = semantic and index.semantic is not None and bool(analysis.text.strip())
    if used:
        assert index.semantic is not None
        similarities, cosines, outside = index.semantic.compare(embed([analysis.text])[0], exclude=exclude)
    rows = candidate_rows({n: (c.score, c.signals) for n, c in by_entry.items()}, similarities,
                          n_tokens=3 if staff_text else len(analysis.tokens), n_meaningful=len(analysis.meaningful),
                          unknown=index.unknown_share(analysis), outside=outside.cosine)
    candidates = []
    for row in rows:
        found = by_entry.get(row.entry)
        if found is None:  # found by meaning only: its nearest phrasing stands for it
            assert index.semantic is not None and cosines is not None
            doc = index.docs[index.semantic.nearest(cosines, row.entry)]
            entry = index.entries[row.entry]
            found = Candidate(entry_id=entry.id, question=entry.question, score=0.0, phrasing=doc.text,
                              signals=_NO_SIGNALS)
        if similarities is not None:
            found = replace(found, semantic=round(float(similarities[row.entry]), 4))
        candidates.append(found)
    return candidates, rows, used


def match(index: FaqIndex, analysis: Analysis, *, model: DecisionModel | None = None,
          semantic: bool = True, staff_text: bool = False) -> Decision:
    """What the bot does with a message: an exact keyword or phrasing answers; otherwise the calibrated model."""
    model = model or decision_model()
    exact = index.exact(analysis)
    if exact is not None:  # typed exactly: no need to ask the encoder
        return decide_calibrated(index.rank(analysis), model.lexical.bands, exact=exact, model="exact")
    candidates, rows, used = candidate_features(index, analysis, semantic=semantic, staff_text=staff_text)
    chosen = model.for_rows(used)
    probabilities = [chosen.probability(r.values) for r in rows]
    order = sorted(range(len(rows)), key=lambda k: -probabilities[k])
    scored = [replace(candidates[k], probability=round(probabilities[k], 4)) for k in order]
    confidence = None
    if order:
        second = probabilities[order[1]] if len(order) > 1 else None
        confidence = round(chosen.sure(rows[order[0]].values, probabilities[order[0]], second), 4)
    return decide_calibrated(scored, chosen.bands, model="semantic" if used else "lexical",
                             n_tokens=len(analysis.tokens), staff_text=staff_text, confidence=confidence)


_NO_SIGNALS = Signals(**dict.fromkeys(SIGNAL_NAMES, 0.0))  # a candidate no word of the message found
