"""Fitting the decision model: two logistic regressions, and thresholds chosen for a target.

Each labelled message gives one row per candidate entry, labelled 1 when that entry answers it. The candidate
weights are fitted on those rows by Newton's method with an L2 penalty (a small, convex problem: about ten
thousand rows, 23 features). The confidence weights are fitted on one row per message (its best candidate's
confidence features, bot/matching/features.py), labelled 1 when the best candidate answers it, 0 when it is
another entry or the message is out of scope; the candidate probabilities they read are ones the candidate model
gave to messages it was not fitted on (k-fold), as in use. The thresholds are then chosen on confidences and
probabilities the models gave to messages they were NOT fitted on (k-fold cross-validation around both fits), so
that the figures written beside them are not training figures:

- answer: the lowest confidence at which at most `max_wrong` of the in-scope messages are answered with a wrong
  entry and at most `max_out_of_scope` of the out-of-scope ones are answered at all;
- suggest: the confidence that maximises the in-scope messages whose entry is answered or listed, minus
  `list_cost` for each out-of-scope message given a list instead of the fallback;
- member: the probability at which a candidate joins the best one in a list: the one that maximises the
  in-scope messages whose entry is answered or listed, minus `item_cost` for each line a list gets.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.matching.features import confidence_features, confidence_values
from bot.matching.model import Bands, Confidence, Model


@dataclass(frozen=True)
class Example:
    """One labelled message: its candidate rows (features), the exact-match answer if any, the right entries."""

    rows: tuple[tuple[int, tuple[float, ...]], ...]  # (entry position, feature values)
    exact: int | None  # the entry an exact keyword/phrasing rule answers (the model is not asked)
    expected: frozenset[int]  # the entries that answer it; empty: out of scope
    guarded: bool = False  # a message the one-word rule keeps from a fuzzy answer (bot/matching/decide.py)

    @property
    def in_scope(self) -> bool:
        return bool(self.expected)


@dataclass(frozen=True)
class Targets:
    """What the thresholds are chosen for (the command's options; written into the model file)."""

    max_wrong: float = 0.01
    # 3.5%: the rule-based decision this one replaced answered 4.4% of the same out-of-scope calibration
    # questions (12 of 274); the near-domain ones (they share the knowledge's words) are most of them
    max_out_of_scope: float = 0.035
    list_cost: float = 0.1
    item_cost: float = 0.02
    max_choices: int = 4
    phrasings_per_entry: int = 3  # the knowledge's own phrasings asked as questions (each left out of the index)
    folds: int = 5
    l2: float = 1.0


@dataclass(frozen=True)
class Figures:
    """Shares on a set of examples with one model and its bands."""

    right: float
    within_one: float
    wrong: float
    out_of_scope_answered: float
    out_of_scope_listed: float
    in_scope: int
    out_of_scope: int

    def as_data(self) -> dict[str, float | int]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class Scored:
    """One example as a model sees it: the confidence that its best candidate answers, and every candidate's
    probability with its entry, best first."""

    confidence: float
    ranked: list[tuple[float, int]]


def share(k: int, n: int) -> float:
    return k / n if n else 0.0


Scorer = Callable[[tuple[float, ...]], float]


def fit_weights(X: np.ndarray, y: np.ndarray, *, l2: float = 1.0, iterations: int = 50) -> np.ndarray:
    """Logistic regression weights (last one the bias, not penalised), by Newton's method."""
    Xb = np.hstack([X, np.ones((len(X), 1))])
    w = np.zeros(Xb.shape[1])
    penalty = np.r_[np.full(X.shape[1], l2), 0.0]
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(Xb @ w, -50, 50)))
        gradient = Xb.T @ (p - y) + penalty * w
        hessian = (Xb * (p * (1 - p))[:, None]).T @ Xb + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return w


def _matrix(examples: Sequence[Example]) -> tuple[np.ndarray, np.ndarray]:
    rows = [(values, float(entry in ex.expected)) for ex in examples for entry, values in ex.rows]
    if not rows:
        raise ValueError("no candidate rows to fit on")
    return np.array([v for v, _ in rows], dtype=float), np.array([y for _, y in rows])


def _scorer(w: np.ndarray) -> Scorer:
    weights, bias = w[:-1], w[-1]
    return lambda values: float(1.0 / (1.0 + np.exp(-np.clip(bias + np.dot(weights, values), -50, 50))))


def ranked(example: Example, score: Scorer) -> list[tuple[float, int]]:
    """(probability, entry) of every candidate, best first."""
    return sorted(((score(values), entry) for entry, values in example.rows), reverse=True)


def _confidence_row(example: Example, probabilities: list[tuple[float, int]],
                    features: tuple[str, ...]) -> tuple[float, ...]:
    top = dict(example.rows)[probabilities[0][1]]
    second = probabilities[1][0] if len(probabilities) > 1 else None
    return confidence_values(features, top, probabilities[0][0], second)


def _folds(n: int, folds: int, seed: int) -> list[int]:
    order = list(range(n))
    random.Random(seed).shuffle(order)
    fold_of = [0] * n
    for k, i in enumerate(order):
        fold_of[i] = k % folds
    return fold_of


@dataclass(frozen=True)
class Fitted:
    """The weights of both stages (each with its bias last)."""

    candidate: np.ndarray
    confidence: np.ndarray

    def score(self, example: Example, features: tuple[str, ...]) -> Scored:
        probabilities = ranked(example, _scorer(self.candidate))
        if not probabilities:
            return Scored(0.0, probabilities)
        sure = _scorer(self.confidence)(_confidence_row(example, probabilities, features))
        return Scored(sure, probabilities)


def fit_both(examples: Sequence[Example], features: tuple[str, ...], targets: Targets, seed: int = 3) -> Fitted:
    """Both stages on these examples: the confidence on candidate probabilities from models fitted without the
    example (k-fold inside `examples`)."""
    candidate = fit_weights(*_matrix(examples), l2=targets.l2)
    fold_of = _folds(len(examples), targets.folds, seed)
    X, y = [], []
    for fold in range(targets.folds):
        train = [ex for i, ex in enumerate(examples) if fold_of[i] != fold]
        if not train:
            continue
        score = _scorer(fit_weights(*_matrix(train), l2=targets.l2))
        for i, ex in enumerate(examples):
            if fold_of[i] != fold or ex.exact is not None:
                continue
            probabilities = ranked(ex, score)
            if probabilities:
                X.append(_confidence_row(ex, probabilities, features))
                y.append(float(probabilities[0][1] in ex.expected))
    width = len(confidence_features(features))
    confidence = fit_weights(np.array(X, dtype=float).reshape(-1, width), np.array(y), l2=targets.l2)
    return Fitted(candidate, confidence)


def outcome(example: Example, scored: Scored, bands: Bands) -> tuple[str, int | None, list]:
    """answer/suggest/fallback for one example, the entry answered and the entries listed (as the product does)."""
    if example.exact is not None:
        return "answer", example.exact, []
    probabilities = scored.ranked
    if probabilities and scored.confidence >= bands.answer and not example.guarded:
        return "answer", probabilities[0][1], []
    if not probabilities or scored.confidence < bands.suggest:
        return "fallback", None, []
    listed = [probabilities[0][1], *(e for p, e in probabilities[1:bands.max_choices] if p >= bands.member)]
    return "suggest", None, listed


def figures(examples: Sequence[Example], scored: Sequence[Scored], bands: Bands) -> Figures:
    """Right / within one follow-up / wrong on the in-scope examples; answered and listed out-of-scope ones."""
    right = within = wrong = oos_answered = oos_listed = n_in = n_out = 0
    for example, one in zip(examples, scored, strict=True):
        kind, entry, listed = outcome(example, one, bands)
        if example.in_scope:
            n_in += 1
            ok = kind == "answer" and entry in example.expected
            right += ok
            within += ok or bool(example.expected & set(listed))
            wrong += kind == "answer" and not ok
        else:
            n_out += 1
            oos_answered += kind == "answer"
            oos_listed += kind == "suggest"
    return Figures(share(right, n_in), share(within, n_in), share(wrong, n_in), share(oos_answered, n_out),
                   share(oos_listed, n_out), n_in, n_out)


def cross_validated(examples: Sequence[Example], features: tuple[str, ...], targets: Targets,
                    seed: int = 1) -> list[Scored]:
    """Each example's confidence and candidate probabilities from models fitted on the other folds."""
    fold_of = _folds(len(examples), targets.folds, seed)
    result: list[Scored] = [Scored(0.0, []) for _ in examples]
    for fold in range(targets.folds):
        fitted = fit_both([ex for i, ex in enumerate(examples) if fold_of[i] != fold], features, targets)
        for i, ex in enumerate(examples):
            if fold_of[i] == fold:
                result[i] = fitted.score(ex, features)
    return result


def choose_bands(examples: Sequence[Example], scored: Sequence[Scored], targets: Targets) -> Bands:
    """The answer, suggest and member thresholds for the targets, on held-out confidences and probabilities."""
    confidences = sorted({round(s.confidence, 4) for s in scored if s.ranked} | {1.0})
    answer = 1.0
    for t in confidences:  # the lowest threshold that keeps wrong answers within the targets
        got = figures(examples, scored, Bands(t, t, targets.max_choices))
        if got.wrong <= targets.max_wrong and got.out_of_scope_answered <= targets.max_out_of_scope:
            answer = t
            break
    best, suggest = -1.0, answer
    for t in [c for c in confidences if c < answer] + [answer]:
        got = figures(examples, scored, Bands(answer, t, targets.max_choices, member=0.0))
        value = got.within_one - targets.list_cost * got.out_of_scope_listed
        if value > best + 1e-9:
            best, suggest = value, t
    best, member = -1.0, 1.0
    for t in sorted({round(p, 3) for s in scored for p, _ in s.ranked[1:]} | {1.0}, reverse=True):
        bands = Bands(answer, suggest, targets.max_choices, member=t)
        lines = sum(len(outcome(ex, s, bands)[2]) for ex, s in zip(examples, scored, strict=True))
        value = figures(examples, scored, bands).within_one - targets.item_cost * lines / len(examples)
        if value > best + 1e-9:
            best, member = value, t
    return Bands(answer=answer, suggest=suggest, max_choices=targets.max_choices, member=member)


def calibrate(examples: Sequence[Example], features: tuple[str, ...], targets: Targets) -> tuple[Model, Figures]:
    """The model fitted on every example, with bands chosen on cross-validated probabilities and their figures."""
    held_out = cross_validated(examples, features, targets)
    bands = choose_bands(examples, held_out, targets)
    fitted = fit_both(examples, features, targets)
    w, v = fitted.candidate, fitted.confidence
    sure = Confidence(features=confidence_features(features), weights=tuple(float(x) for x in v[:-1]),
                      bias=float(v[-1]))
    model = Model(features=features, weights=tuple(float(x) for x in w[:-1]), bias=float(w[-1]), bands=bands,
                  confidence=sure)
    return model, figures(examples, held_out, bands)
