"""Fitting the decision model: logistic regression over candidate features, thresholds chosen for a target.

Each labelled message gives one row per candidate entry, labelled 1 when that entry answers it. The weights are
fitted by Newton's method with an L2 penalty (a small, convex problem: a few thousand rows, 25 features). The
thresholds are then chosen on probabilities the model gave to messages it was NOT fitted on (k-fold
cross-validation), so that the figures written beside them are not training figures of the thresholds:

- answer: the lowest threshold at which at most `max_wrong` of the in-scope messages are answered with a wrong
  entry and at most `max_out_of_scope` of the out-of-scope ones are answered at all;
- suggest: the threshold that maximises the in-scope messages whose entry is answered or listed, minus
  `list_cost` for each out-of-scope message given a list instead of the fallback;
- member: the threshold at which a candidate joins a list, at most `suggest`: the one that maximises the
  in-scope messages whose entry is answered or listed, minus `item_cost` for each line a list gets.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.matching.model import Bands, Model


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
    max_out_of_scope: float = 0.025
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


def outcome(example: Example, probabilities: list[tuple[float, int]], bands: Bands) -> tuple[str, int | None, list]:
    """answer/suggest/fallback for one example, the entry answered and the entries listed (as the product does)."""
    if example.exact is not None:
        return "answer", example.exact, []
    if probabilities and probabilities[0][0] >= bands.answer and not example.guarded:
        return "answer", probabilities[0][1], []
    if not probabilities or probabilities[0][0] < bands.suggest:
        return "fallback", None, []
    listed = [entry for p, entry in probabilities[:bands.max_choices] if p >= bands.member]
    return "suggest", None, listed


def figures(examples: Sequence[Example], probabilities: Sequence[list[tuple[float, int]]], bands: Bands) -> Figures:
    """Right / within one follow-up / wrong on the in-scope examples; answered and listed out-of-scope ones."""
    right = within = wrong = oos_answered = oos_listed = n_in = n_out = 0
    for example, probs in zip(examples, probabilities, strict=True):
        kind, entry, listed = outcome(example, probs, bands)
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


def cross_validated(examples: Sequence[Example], targets: Targets, seed: int = 1) -> list[list[tuple[float, int]]]:
    """Each example's candidate probabilities from a model fitted on the other folds."""
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    fold_of = {i: n % targets.folds for n, i in enumerate(order)}
    result: list[list[tuple[float, int]]] = [[] for _ in examples]
    for fold in range(targets.folds):
        train = [ex for i, ex in enumerate(examples) if fold_of[i] != fold]
        score = _scorer(fit_weights(*_matrix(train), l2=targets.l2))
        for i, ex in enumerate(examples):
            if fold_of[i] == fold:
                result[i] = ranked(ex, score)
    return result


def choose_bands(examples: Sequence[Example], probabilities: Sequence[list[tuple[float, int]]],
                 targets: Targets) -> Bands:
    """The answer and suggest thresholds for the targets, on held-out probabilities."""
    tops = sorted({round(p[0][0], 4) for p in probabilities if p} | {1.0})
    answer = 1.0
    for t in tops:  # the lowest threshold that keeps wrong answers within the targets
        got = figures(examples, probabilities, Bands(t, t, targets.max_choices))
        if got.wrong <= targets.max_wrong and got.out_of_scope_answered <= targets.max_out_of_scope:
            answer = t
            break
    best, suggest = -1.0, answer
    for t in sorted({round(p, 4) for probs in probabilities for p, _ in probs if p < answer} | {answer}):
        got = figures(examples, probabilities, Bands(answer, t, targets.max_choices))
        value = got.within_one - targets.list_cost * got.out_of_scope_listed
        if value > best + 1e-9:
            best, suggest = value, t
    best, member = -1.0, suggest
    for t in sorted({round(p, 3) for probs in probabilities for p, _ in probs if p < suggest} | {suggest},
                    reverse=True):
        bands = Bands(answer, suggest, targets.max_choices, member=t)
        lines = sum(len(outcome(ex, probs, bands)[2]) for ex, probs in zip(examples, probabilities, strict=True))
        value = figures(examples, probabilities, bands).within_one - targets.item_cost * lines / len(examples)
        if value > best + 1e-9:
            best, member = value, t
    return Bands(answer=answer, suggest=suggest, max_choices=targets.max_choices, member=member)


def calibrate(examples: Sequence[Example], features: tuple[str, ...], targets: Targets) -> tuple[Model, Figures]:
    """The model fitted on every example, with bands chosen on cross-validated probabilities and their figures."""
    held_out = cross_validated(examples, targets)
    bands = choose_bands(examples, held_out, targets)
    w = fit_weights(*_matrix(examples), l2=targets.l2)
    model = Model(features=features, weights=tuple(float(x) for x in w[:-1]), bias=float(w[-1]), bands=bands)
    return model, figures(examples, held_out, bands)
