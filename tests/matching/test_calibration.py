"""The calibrated decision's parts: the fit, the thresholds chosen for a target, the model file, the decision."""
from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
import pytest
import yaml

from bot.matching.calibrated import ONE_WORD, decide_calibrated
from bot.matching.calibration import Example, Targets, calibrate, choose_bands, cross_validated, figures, fit_weights
from bot.matching.encoder import PhrasingVectors
from bot.matching.features import (
    CONFIDENCE_DERIVED,
    CONFIDENCE_OWN,
    EXPLANATIONS,
    FEATURES,
    LEXICAL_FEATURES,
    candidate_rows,
    confidence_features,
    confidence_values,
)
from bot.matching.index import Candidate
from bot.matching.model import MODEL_FILE, Bands, Model, ModelFileError, decision_model, read_model
from bot.matching.rerank import SIGNAL_NAMES, Signals
from bot.matching.semantic import SemanticIndex

NO_SIGNALS = Signals(**dict.fromkeys(SIGNAL_NAMES, 0.0))


def synthetic(n: int, seed: int = 7, out_of_scope: float = 0.2) -> list[Example]:
    """Messages with 3 candidates and 2 features: the right entry scores higher on feature 0, plus noise;
    an out-of-scope message has no right entry and low scores."""
    rng = random.Random(seed)
    examples = []
    for _ in range(n):
        oos = rng.random() < out_of_scope
        right = rng.randrange(3)
        rows = []
        for entry in range(3):
            base = 0.8 if (entry == right and not oos) else 0.3
            rows.append((entry, (base + rng.gauss(0, 0.12), rng.gauss(0, 1))))
        examples.append(Example(rows=tuple(rows), exact=None, expected=frozenset() if oos else frozenset({right})))
    return examples


def test_the_fit_finds_the_feature_that_tells_and_ignores_the_noise() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(2000, 2))
    y = (X[:, 0] * 3 + rng.logistic(size=2000) > 0).astype(float)
    w = fit_weights(X, y, l2=1.0)
    assert 2.4 < w[0] < 3.6  # the true weight is 3
    assert abs(w[1]) < 0.3 and abs(w[2]) < 0.3  # the noise feature and the bias


def test_the_answer_threshold_holds_the_targets_on_held_out_probabilities() -> None:
    examples = synthetic(600)
    targets = Targets(max_wrong=0.01, max_out_of_scope=0.05, folds=5)
    held = cross_validated(examples, ("a", "b"), targets)
    assert all(len(s.ranked) == 3 for s in held) and all(s.ranked == sorted(s.ranked, reverse=True) for s in held)
    assert all(0.0 <= s.confidence <= 1.0 for s in held)
    bands = choose_bands(examples, held, targets)
    got = figures(examples, held, bands)
    assert got.wrong <= 0.01 and got.out_of_scope_answered <= 0.05
    assert bands.suggest <= bands.answer
    # the lowest such threshold: one step lower breaks a target
    lower = max(s.confidence for s in held if s.confidence < bands.answer)
    worse = figures(examples, held, Bands(lower, lower))
    assert worse.wrong > 0.01 or worse.out_of_scope_answered > 0.05


def test_a_stricter_target_answers_less() -> None:
    examples = synthetic(600, seed=11)
    loose, _ = calibrate(examples, ("a", "b"), Targets(max_wrong=0.05, max_out_of_scope=0.2))
    strict, _ = calibrate(examples, ("a", "b"), Targets(max_wrong=0.0, max_out_of_scope=0.0))
    assert strict.bands.answer >= loose.bands.answer


def test_an_exact_hit_and_the_one_word_rule_are_kept_apart_from_the_model() -> None:
    bands = Bands(answer=0.7, suggest=0.3)
    candidates = [Candidate("a", "A?", 0.9, "A", NO_SIGNALS, probability=0.95),
                  Candidate("b", "B?", 0.5, "B", NO_SIGNALS, probability=0.4),
                  Candidate("c", "C?", 0.2, "C", NO_SIGNALS, probability=0.1)]
    answered = decide_calibrated(candidates, bands, n_tokens=3)
    assert (answered.kind, answered.entry_id, answered.rule) == ("answer", "a", "model")
    one_word = decide_calibrated(candidates, bands, n_tokens=1)
    assert (one_word.kind, one_word.rule, one_word.choices) == ("suggest", ONE_WORD.name, ("a", "b"))
    assert decide_calibrated(candidates, bands, n_tokens=1, staff_text=True).kind == "answer"  # a menu button
    unsure = decide_calibrated([Candidate("b", "B?", 0.5, "B", NO_SIGNALS, probability=0.5)], bands)
    assert (unsure.kind, unsure.choices) == ("suggest", ("b",))
    nothing = decide_calibrated([Candidate("c", "C?", 0.2, "C", NO_SIGNALS, probability=0.1)], bands)
    assert nothing.kind == "fallback" and decide_calibrated([], bands).kind == "fallback"
    # the confidence, not the best probability, is what the bands read; the best entry leads any list
    assert decide_calibrated(candidates, bands, n_tokens=3, confidence=0.5).choices == ("a", "b")
    sure = decide_calibrated(unsure.candidates, bands, n_tokens=3, confidence=0.9)
    assert (sure.kind, sure.entry_id, sure.score) == ("answer", "b", 0.9)
    assert decide_calibrated(candidates, bands, n_tokens=3, confidence=0.1).kind == "fallback"


def test_the_confidence_reads_the_best_candidate_beside_the_second() -> None:
    features = ("a", "b", "semantic_best", "outside")
    names = confidence_features(features)
    assert names[:3] == ("top_logit", "logit_lead", "probability_lead") and names[-1] == "best_over_outside"
    values = dict(zip(names, confidence_values(features, (0.1, 0.2, 0.9, 0.6), 0.8, 0.2), strict=True))
    assert values["probability_lead"] == pytest.approx(0.6) and values["best_over_outside"] == pytest.approx(0.3)
    assert values["logit_lead"] == pytest.approx(math.log(4) - math.log(0.25))
    alone = dict(zip(names, confidence_values(features, (0.1, 0.2, 0.9, 0.6), 0.8, None), strict=True))
    assert alone["logit_lead"] > values["logit_lead"] and alone["probability_lead"] == pytest.approx(0.8)
    assert confidence_features(("a", "b")) == ("top_logit", "logit_lead", "probability_lead")


def test_a_lead_over_the_second_candidate_is_learned_as_confidence() -> None:
    """Two candidates, both alike on their own features; the examples whose best one is far ahead of the second
    are the ones it answers: the confidence learns the lead that a candidate's own row cannot show."""
    rng = random.Random(5)
    examples = []
    for _ in range(800):
        right = rng.random() < 0.6
        lead = rng.uniform(0.3, 0.6) if right else rng.uniform(0.0, 0.2)
        top = rng.uniform(0.4, 0.6)
        rows = ((0, (top, 0.0)), (1, (top - lead, 0.0)))
        examples.append(Example(rows=rows, exact=None, expected=frozenset({0}) if right else frozenset()))
    model, got = calibrate(examples, ("a", "b"), Targets(max_wrong=0.02, max_out_of_scope=0.05))
    assert model.confidence is not None and got.right > 0.4
    assert dict(zip(model.confidence.features, model.confidence.weights, strict=True))["probability_lead"] > 0


def test_rows_hold_every_feature_in_order_and_meaning_adds_candidates() -> None:
    signals = Signals(**{name: 0.5 for name in SIGNAL_NAMES})
    similarities = np.array([0.9, 0.1, 0.8, 0.2], dtype=np.float32)
    rows = candidate_rows({1: (0.7, signals)}, similarities, n_tokens=2, n_meaningful=2, unknown=0.0)
    assert [r.entry for r in rows][:1] == [1] and {0, 2} <= {r.entry for r in rows}
    assert all(len(r.values) == len(FEATURES) for r in rows)
    values = dict(zip(FEATURES, rows[0].values, strict=True))
    assert values["lexical"] == 0.7 and values["lexical_found"] == 1.0 and values["two_words"] == 1.0
    assert values["semantic"] == pytest.approx(0.1) and values["semantic_best"] == pytest.approx(0.9)
    by_meaning = dict(zip(FEATURES, next(r for r in rows if r.entry == 0).values, strict=True))
    assert by_meaning["lexical_found"] == 0.0 and by_meaning["semantic_lead"] == pytest.approx(0.1)
    lexical_only = candidate_rows({1: (0.7, signals)}, None, n_tokens=2, n_meaningful=2, unknown=0.0)
    assert [len(r.values) for r in lexical_only] == [len(LEXICAL_FEATURES)]
    assert set(EXPLANATIONS) == set(FEATURES) | set(CONFIDENCE_OWN) | set(CONFIDENCE_DERIVED)


def model_file(tmp_path: Path, **change) -> Path:
    data = yaml.safe_load(MODEL_FILE.read_text(encoding="utf-8"))
    data.update(change)
    path = tmp_path / "decision_model.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_the_shipped_model_fits_the_code_and_round_trips(tmp_path: Path) -> None:
    shipped = decision_model()
    assert shipped.semantic.features == FEATURES and shipped.lexical.features == LEXICAL_FEATURES
    assert 0 < shipped.semantic.bands.suggest <= shipped.semantic.bands.answer < 1
    assert shipped.about["targets"]["max_wrong"] <= 0.01
    data = shipped.semantic.as_data()
    again = Model.from_data(data, FEATURES, "here")
    assert again.bands == shipped.semantic.bands
    assert again.weights == pytest.approx(shipped.semantic.weights, abs=1e-6)
    assert again.confidence is not None and shipped.semantic.confidence is not None
    assert again.confidence.weights == pytest.approx(shipped.semantic.confidence.weights, abs=1e-6)
    assert read_model(model_file(tmp_path)).lexical.bands == shipped.lexical.bands


def test_a_model_file_that_does_not_fit_is_refused_with_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match=r"format 0.*bot kb calibrate"):
        read_model(model_file(tmp_path, format=0))
    data = yaml.safe_load(MODEL_FILE.read_text(encoding="utf-8"))
    del data["models"]["semantic"]["weights"]["agreement"]
    with pytest.raises(ModelFileError, match=r"missing \['agreement'\].*bot kb calibrate"):
        read_model(model_file(tmp_path, models=data["models"]))
    (tmp_path / "bad.yaml").write_text("models: [\n", encoding="utf-8")
    with pytest.raises(ModelFileError, match="unreadable"):
        read_model(tmp_path / "bad.yaml")


def test_the_semantic_index_gives_each_entry_its_nearest_phrasing() -> None:
    texts = ["北京事务所的电话是多少？", "你们电话多少", "JET项目是什么？", "介绍一下JET项目", "长野县有什么好玩的？"]
    index = SemanticIndex.build(texts, [0, 0, 1, 1, 3], 4, PhrasingVectors(None))
    best, cosines = index.similarities("电话号码多少")
    assert best.shape == (4,) and best[2] == -1.0  # entry 2 has no phrasing
    assert int(np.argmax(best)) == 0 and index.nearest(cosines, 0) in (0, 1)
    assert index.nearest(cosines, 2) == -1 and index.nearest(cosines, 3) == 4
    left_out, _ = index.similarities("你们电话多少", exclude=1)  # the phrasing itself left out
    same, _ = index.similarities("你们电话多少")
    assert same[0] == pytest.approx(1.0, abs=1e-4) and left_out[0] < same[0]
    with pytest.raises(ValueError, match="grouped by entry"):
        SemanticIndex.build(texts[:2], [1, 0], 2, PhrasingVectors(None))
