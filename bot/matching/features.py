"""What the calibrated decision knows of one candidate entry for one message: a fixed list of named numbers.

The candidates of a message are the entries the lexical rerank ranked best and the entries whose phrasings the
sentence encoder finds nearest (the union: a Japanese question shares no word with its Chinese phrasing but is
near it in meaning). Each becomes one row of FEATURES, in this order; the decision model
(bot/matching/model.py) turns a row into the probability that this entry answers the message. `bot kb
calibrate` fits the model's weights on labelled questions; nothing here is weighted by hand.

Features that need the encoder are 0 in a lexical-only row (the model file holds a model for each case).

A second, smaller list (CONFIDENCE) describes the best candidate once every candidate has its probability: how
far ahead of the second one it is, and the message-level signals that tell a question the knowledge answers from
one it merely shares words with (the nearest out-of-scope example, the best cosine, unknown words). The decision
model's confidence (bot/matching/model.py) reads it: the answer and list thresholds apply to that confidence.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bot.matching.rerank import SIGNAL_NAMES, Signals

# name → what it measures (shown by `bot kb calibrate` beside its fitted weight)
LEXICAL = {
    "lexical": "the rerank's score of the entry's best phrasing (words, character pairs, numbers)",
    "lexical_lead": "that score minus the best other candidate's",
    "lexical_found": "1 when the lexical rerank found the entry at all",
    "unknown": "share of the message's meaningful words that no entry knows",
    "one_word": "1 when the message is one word: a fuzzy answer to one word is an accident",
    "two_words": "1 when the message is two words",
    "content_words": "the message's meaningful words, up to 6, as a share of 6",
    **{f"signal_{name}": f"rerank signal {name} of the entry's best phrasing" for name in SIGNAL_NAMES},
}
SEMANTIC = {
    "semantic": "cosine between the message and the entry's nearest phrasing (sentence encoder)",
    "semantic_lead": "that cosine minus the best other entry's",
    "semantic_best": "the best cosine any entry reaches: low when the message is about nothing the knowledge has",
    "agreement": "lexical score times semantic cosine: both signals agree on this entry",
    "outside": "cosine between the message and the nearest question the bot does not answer "
               "(knowledge/out_of_scope.yaml)",
    "outside_margin": "the entry's cosine minus that one: the message is nearer this entry than anything outside",
}
LEXICAL_FEATURES = tuple(LEXICAL)
FEATURES = LEXICAL_FEATURES + tuple(SEMANTIC)
# the best candidate once ranked: its own log-odds and lead, then some of its row's values (by name, above)
CONFIDENCE_OWN = {
    "top_logit": "the best candidate's log-odds of answering (the candidate model)",
    "logit_lead": "those log-odds minus the second candidate's",
    "probability_lead": "its probability minus the second candidate's",
}
CONFIDENCE_FROM_ROW = ("lexical", "lexical_lead", "lexical_found", "unknown", "one_word", "two_words", "semantic",
                       "semantic_lead", "semantic_best", "agreement", "outside", "outside_margin")
CONFIDENCE_DERIVED = {
    "best_over_outside": "the best cosine any entry reaches minus the nearest out-of-scope example's: the message is "
                         "nearer the knowledge than anything the bot does not answer",
}
EXPLANATIONS = {**LEXICAL, **SEMANTIC, **CONFIDENCE_OWN, **CONFIDENCE_DERIVED}
NO_SECOND = -20.0  # the log-odds a missing second candidate stands at

SEMANTIC_CANDIDATES = 5  # entries the encoder adds to the lexical candidates
MAX_CONTENT_WORDS = 6


@dataclass(frozen=True)
class Row:
    """One candidate entry with its features (in FEATURES order; lexical-only rows stop after LEXICAL)."""

    entry: int  # position of the entry in the index
    values: tuple[float, ...]


def candidate_rows(lexical: dict[int, tuple[float, Signals]], similarities: np.ndarray | None, *,
                   n_tokens: int, n_meaningful: int, unknown: float, outside: float = -1.0) -> list[Row]:
    """The features of every candidate: `lexical` maps an entry to its rerank score and best phrasing's signals,
    `similarities` holds one cosine per entry (None: lexical only), `outside` the cosine of the nearest
    out-of-scope example (-1: none)."""
    entries = list(lexical)
    if similarities is not None and len(similarities):
        nearest = np.argsort(-similarities)[:SEMANTIC_CANDIDATES]
        entries += [int(n) for n in nearest if int(n) not in lexical]
    scores = {n: lexical[n][0] if n in lexical else 0.0 for n in entries}
    message = (unknown, float(n_tokens <= 1), float(n_tokens == 2), min(n_meaningful, MAX_CONTENT_WORDS) /
               MAX_CONTENT_WORDS)
    first, second = _two_best(similarities)
    rows = []
    for n in entries:
        score = scores[n]
        signals = lexical[n][1] if n in lexical else None
        values = [score, score - _best_other(scores, n), float(n in lexical), *message,
                  *(getattr(signals, name) if signals is not None else 0.0 for name in SIGNAL_NAMES)]
        if similarities is not None:
            cosine = float(similarities[n])
            other = second[1] if n == first[0] else first[1]
            values += [cosine, cosine - other, first[1], score * cosine, outside, cosine - outside]
        rows.append(Row(entry=n, values=tuple(values)))
    return rows


def confidence_features(features: tuple[str, ...]) -> tuple[str, ...]:
    """The confidence features for candidate rows of these features (a lexical-only row has no cosines)."""
    derived = tuple(n for n in CONFIDENCE_DERIVED if {"semantic_best", "outside"} <= set(features))
    return (*CONFIDENCE_OWN, *(n for n in CONFIDENCE_FROM_ROW if n in features), *derived)


def confidence_values(features: tuple[str, ...], top: tuple[float, ...], first: float,
                      second: float | None) -> tuple[float, ...]:
    """The confidence features of the best candidate: `top` its row (in `features` order), `first` and `second`
    the probabilities of the best and the second candidate (None: there is no second)."""
    row = dict(zip(features, top, strict=True))
    logit = _logit(first)
    other = _logit(second) if second is not None else NO_SECOND
    values = [logit, logit - other, first - (second or 0.0), *(row[n] for n in CONFIDENCE_FROM_ROW if n in row)]
    if {"semantic_best", "outside"} <= set(row):
        values.append(row["semantic_best"] - row["outside"])
    return tuple(values)


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


def _best_other(scores: dict[int, float], n: int) -> float:
    return max((s for m, s in scores.items() if m != n), default=0.0)


def _two_best(similarities: np.ndarray | None) -> tuple[tuple[int, float], tuple[int, float]]:
    """The entries with the highest and the second highest cosine, with their cosines."""
    if similarities is None or not len(similarities):
        return (-1, 0.0), (-1, 0.0)
    if len(similarities) == 1:
        return (0, float(similarities[0])), (-1, 0.0)
    top = np.argpartition(-similarities, 1)[:2]
    a, b = (int(top[0]), int(top[1])) if similarities[top[0]] >= similarities[top[1]] else (int(top[1]), int(top[0]))
    return (a, float(similarities[a])), (b, float(similarities[b]))
