"""The calibrated decision: weights that turn a candidate's features into a probability, and two thresholds.

The weights and thresholds are data, in bot/matching/data/decision_model.yaml, written by `bot kb calibrate`
(bot/matching/calibration.py) from labelled questions; nothing here is set by hand. The file holds two models:
`semantic` (every feature, used when the sentence encoder runs) and `lexical` (the lexical features only, used
when it does not). Each has two stages: the candidate weights give every candidate entry its probability of
answering the message (which orders them and says who joins a list); the confidence weights then read the best
candidate beside the second one and the message's out-of-scope signals (bot/matching/features.py CONFIDENCE) and
give the confidence that the best one answers. Three bands on that confidence:

    confidence >= answer    → answer the best entry
    confidence >= suggest   → a 您是想问 list of the candidates whose probability is at least `member`
                              (at most `max_choices`, the best one first)
    below                   → nothing close: the fallback
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.matching.features import FEATURES, LEXICAL_FEATURES, confidence_features, confidence_values

MODEL_FILE = Path(__file__).parent / "data" / "decision_model.yaml"
FORMAT = 2  # the file's format; a file of another format is refused with a sentence saying what to run


class ModelFileError(ValueError):
    """The decision model file is missing, of another format or does not fit the features the code computes."""


@dataclass(frozen=True)
class Bands:
    """Where the best candidate's probability answers, lists or falls back."""

    answer: float
    suggest: float
    max_choices: int = 4
    member: float = -1.0  # a candidate joins a list at this probability (-1: at `suggest`)

    def __post_init__(self) -> None:
        if self.member < 0:
            object.__setattr__(self, "member", self.suggest)


def logistic(weights: Sequence[float], bias: float, values: Sequence[float]) -> float:
    """1 / (1 + e^-(bias + Σ weight·value))."""
    z = bias + sum(w * v for w, v in zip(weights, values, strict=False))
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


@dataclass(frozen=True)
class Confidence:
    """Logistic regression over the best candidate's confidence features: how sure the best one answers."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float

    def of(self, values: Sequence[float]) -> float:
        return logistic(self.weights, self.bias, values)


@dataclass(frozen=True)
class Model:
    """The candidate model (logistic regression over one feature list), its confidence and the bands."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    bands: Bands
    confidence: Confidence | None = None  # None: the best candidate's probability is the confidence

    def probability(self, values: Sequence[float]) -> float:
        """The probability that the candidate with these feature values answers the message."""
        return logistic(self.weights, self.bias, values)

    def sure(self, top: Sequence[float], first: float, second: float | None) -> float:
        """The confidence that the best candidate answers: `top` its feature values, `first` and `second` the
        probabilities of the best and the second candidate (None: there is no second)."""
        if self.confidence is None:
            return first
        return self.confidence.of(confidence_values(self.features, tuple(top), first, second))

    def as_data(self, figures: dict[str, Any] | None = None) -> dict[str, Any]:
        """The model as the file keeps it."""
        data: dict[str, Any] = {
            "weights": {name: round(w, 6) for name, w in zip(self.features, self.weights, strict=True)},
            "bias": round(self.bias, 6),
        }
        if self.confidence is not None:
            data["confidence"] = {
                "weights": {n: round(w, 6) for n, w in zip(self.confidence.features, self.confidence.weights,
                                                           strict=True)},
                "bias": round(self.confidence.bias, 6)}
        data |= {
            "thresholds": {"answer": round(self.bands.answer, 4), "suggest": round(self.bands.suggest, 4),
                           "member": round(self.bands.member, 4), "max_choices": self.bands.max_choices},
        }
        if figures:
            data["figures"] = figures
        return data

    @classmethod
    def from_data(cls, data: Any, expected: tuple[str, ...], where: str) -> Model:
        """A model read from the file; ModelFileError when it does not fit the features the code computes."""
        try:
            weights = data["weights"]
            if set(weights) != set(expected):
                missing, extra = set(expected) - set(weights), set(weights) - set(expected)
                raise ModelFileError(f"{where}: the model's features do not match the code's (missing "
                                     f"{sorted(missing) or '-'}, unknown {sorted(extra) or '-'}): "
                                     "run `bot kb calibrate`")
            names = expected  # the code's order, whatever order the file lists them in
            bands = data["thresholds"]
            sure = data["confidence"]
            wanted = confidence_features(expected)
            if set(sure["weights"]) != set(wanted):
                raise ModelFileError(f"{where}: the confidence features do not match the code's: run "
                                     "`bot kb calibrate`")
            confidence = Confidence(features=wanted, weights=tuple(float(sure["weights"][n]) for n in wanted),
                                    bias=float(sure["bias"]))
            return cls(features=names, weights=tuple(float(weights[n]) for n in names), bias=float(data["bias"]),
                       bands=Bands(answer=float(bands["answer"]), suggest=float(bands["suggest"]),
                                   member=float(bands.get("member", -1.0)),
                                   max_choices=int(bands.get("max_choices", 4))), confidence=confidence)
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, ModelFileError):
                raise
            raise ModelFileError(f"{where}: not a decision model ({type(exc).__name__}: {exc}): run "
                                 "`bot kb calibrate`") from None


@dataclass(frozen=True)
class DecisionModel:
    """Both models of one calibration, with what the calibration was fitted on."""

    semantic: Model
    lexical: Model
    about: dict[str, Any]

    def for_rows(self, semantic: bool) -> Model:
        """The model for rows with (True) or without the encoder's features."""
        return self.semantic if semantic else self.lexical


def read_model(path: Path = MODEL_FILE) -> DecisionModel:
    """The decision model in a file; ModelFileError with one sentence when it cannot be used."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ModelFileError(f"{path.name}: unreadable ({type(exc).__name__}): run `bot kb calibrate`") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ModelFileError(f"{path.name}: format {data.get('format') if isinstance(data, dict) else '?'}, "
                             f"this code reads format {FORMAT}: run `bot kb calibrate`")
    models = data.get("models") or {}
    return DecisionModel(semantic=Model.from_data(models.get("semantic"), FEATURES, f"{path.name} semantic"),
                         lexical=Model.from_data(models.get("lexical"), LEXICAL_FEATURES, f"{path.name} lexical"),
                         about={k: v for k, v in data.items() if k != "models"})


@lru_cache(maxsize=1)
def decision_model() -> DecisionModel:
    """The decision model shipped with the code (read once per process)."""
    return read_model(MODEL_FILE)
