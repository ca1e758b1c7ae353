"""`bot kb calibrate`: labelled questions → candidate features → the decision model file.

The labelled files are the matcher's calibration data: the dev split of the questions
(tests/data/questions_dev.yaml), the in-scope probes, the Japanese/English/typo questions
(calibration_multilingual.yaml), the brochure facts' questions (brochure_facts.yaml) and the out-of-scope probes,
plus a few of the knowledge's own phrasings, each
asked with itself left out. The test split and the fresh set (questions_fresh.yaml) are never read here: they
stay held out, so their figures say how the model generalises.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.knowledge import Knowledge
from bot.knowledge.faq import Faq
from bot.matching.calibrated import ONE_WORD
from bot.matching.calibration import Example, Figures, Targets, calibrate
from bot.matching.features import EXPLANATIONS, FEATURES, LEXICAL_FEATURES
from bot.matching.matcher import candidate_features
from bot.matching.model import FORMAT, Model
from bot.staff.brochure_facts import entry_pages, flat_pages, load_facts
from bot.staff.brochure_facts import found as fact_found
from bot.staff.evaluation import Question, load_probes, load_questions
from handlers.faq import analysis_of

DATA = Path("tests") / "data"
DEFAULT_QUESTIONS = (DATA / "questions_dev.yaml", DATA / "probes_inscope.yaml", DATA / "calibration_multilingual.yaml")
DEFAULT_OUT_OF_SCOPE = (DATA / "oos_probes.yaml",)
DEFAULT_FACTS = (DATA / "brochure_facts.yaml",)


@dataclass(frozen=True)
class Calibrated:
    """Both fitted models with their cross-validated figures, and what they were fitted on."""

    semantic: tuple[Model, Figures]
    lexical: tuple[Model, Figures]
    questions: int
    skipped: list[str]


def labelled(question_files: list[Path], probe_files: list[Path], fact_files: list[Path] | None = None,
             knowledge_root: Path | None = None) -> list[Question]:
    """Every calibration question: labelled ones, the brochure facts' questions (labelled by the entries whose
    pages hold the fact), and probes (out of scope)."""
    found = [q for path in question_files for q in load_questions(path)]
    if fact_files and knowledge_root is not None:
        pages = entry_pages(knowledge_root)
        for path in fact_files:
            for fact in load_facts(path):
                holders = frozenset(i for i, texts in pages.items()
                                    if all(fact_found(c, flat_pages(tuple(texts))) for c in fact["contains"]))
                if holders:  # a fact no entry holds is a content gap, not a label
                    found.append(Question(q=str(fact["ask"]), expect=holders, kind="brochure"))
    found += [Question(q=text, expect=frozenset(), kind="probe") for path in probe_files for text in load_probes(path)]
    return found


def examples_of(knowledge: Knowledge, questions: list[Question]) -> tuple[list[Example], list[Example], list[str]]:
    """The questions as examples for the semantic and the lexical model; labels naming no entry are skipped."""
    faq = knowledge.faq
    if not isinstance(faq, Faq):
        raise ValueError("the knowledge has no FAQ to calibrate on")
    index = faq.index
    position = {e.id: n for n, e in enumerate(index.entries)}
    semantic, lexical, skipped = [], [], []
    for question in questions:
        unknown_ids = [e for e in question.expect if e not in position]
        if unknown_ids:
            skipped.append(f"{question.q} (unknown entry {', '.join(sorted(unknown_ids))})")
            continue
        analysis = analysis_of(faq, question.q)
        exact = index.exact(analysis)
        expected = frozenset(position[e] for e in question.expect)
        exact_entry = position[exact.entry_id] if exact is not None else None
        for semantic_on, into in ((True, semantic), (False, lexical)):
            _, rows, _ = candidate_features(index, analysis, semantic=semantic_on)
            into.append(Example(rows=tuple((r.entry, r.values) for r in rows), exact=exact_entry, expected=expected,
                                guarded=ONE_WORD.holds(len(analysis.tokens), staff_text=False)))
    return semantic, lexical, skipped


def phrasing_examples(knowledge: Knowledge, per_entry: int) -> tuple[list[Example], list[Example]]:
    """The knowledge's own phrasings asked as questions, each with itself left out of the index (up to
    `per_entry` per entry, picked by a hash of the text so the choice is stable): how a follower's question that
    says what another phrasing says in other words looks to the matcher."""
    faq = knowledge.faq
    if not isinstance(faq, Faq) or per_entry <= 0:
        return [], []
    index = faq.index
    semantic, lexical = [], []
    for n, docs in enumerate(index.entry_docs):
        if len(docs) < 2:
            continue  # its only phrasing left out, nothing of the entry would remain to be found
        chosen = sorted(docs, key=lambda d: hashlib.sha1(index.docs[d].text.encode()).hexdigest())[:per_entry]
        for doc_id in chosen:
            analysis = analysis_of(faq, index.docs[doc_id].text)
            for semantic_on, into in ((True, semantic), (False, lexical)):
                _, rows, _ = candidate_features(index, analysis, semantic=semantic_on, exclude=doc_id)
                into.append(Example(rows=tuple((r.entry, r.values) for r in rows), exact=None,
                                    expected=frozenset({n})))
    return semantic, lexical


def run(knowledge: Knowledge, questions: list[Question], targets: Targets) -> Calibrated:
    """Fit both models for the targets."""
    semantic, lexical, skipped = examples_of(knowledge, questions)
    own_semantic, own_lexical = phrasing_examples(knowledge, targets.phrasings_per_entry)
    semantic, lexical = semantic + own_semantic, lexical + own_lexical
    if isinstance(knowledge.faq, Faq) and knowledge.faq.index.semantic is None:
        raise ValueError("the sentence encoder is not available: the semantic model cannot be fitted")
    return Calibrated(semantic=calibrate(semantic, FEATURES, targets), lexical=calibrate(lexical, LEXICAL_FEATURES,
                                                                                         targets),
                      questions=len(semantic), skipped=skipped)


def model_file_text(result: Calibrated, targets: Targets, files: list[Path], knowledge_version: str) -> str:
    """The decision model file: a header saying where it comes from, then the data."""
    data = {
        "format": FORMAT,
        "fitted": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "knowledge_version": knowledge_version,
        "calibration_files": [str(f) for f in files],
        "calibration_questions": result.questions,
        "targets": {"max_wrong": targets.max_wrong, "max_out_of_scope_answered": targets.max_out_of_scope,
                    "list_cost": targets.list_cost, "item_cost": targets.item_cost,
                    "phrasings_per_entry": targets.phrasings_per_entry, "folds": targets.folds, "l2": targets.l2},
        "models": {
            "semantic": result.semantic[0].as_data({"cross_validated": result.semantic[1].as_data()}),
            "lexical": result.lexical[0].as_data({"cross_validated": result.lexical[1].as_data()}),
        },
    }
    out = io.StringIO()
    out.write("# The matcher's calibrated decision (bot/matching/model.py). Written by `bot kb calibrate`: do not\n"
              "# edit by hand, run the command again after the knowledge or the labelled questions change. The\n"
              "# figures are cross-validated on the calibration files (each question scored by a model fitted\n"
              "# without it).\n")
    yaml.safe_dump(data, out, allow_unicode=True, sort_keys=False, width=120)
    return out.getvalue()


def render(result: Calibrated) -> str:
    """What the command prints: per model, its bands, figures and weights with what each feature measures."""
    lines = [f"{result.questions} calibration questions"]
    if result.skipped:
        lines.append(f"skipped {len(result.skipped)} whose label names no entry: " + "; ".join(result.skipped[:5]))
    for name, (model, got) in (("semantic", result.semantic), ("lexical", result.lexical)):
        lines.append(f"\n{name} model: answer at confidence ≥ {model.bands.answer:.3f}, list at confidence ≥ "
                     f"{model.bands.suggest:.3f} (the best entry and every other one at probability ≥ "
                     f"{model.bands.member:.3f})")
        lines.append(f"  cross-validated: right {got.right:.1%}, within one follow-up {got.within_one:.1%}, wrong "
                     f"{got.wrong:.1%} (of {got.in_scope} in scope); out of scope answered "
                     f"{got.out_of_scope_answered:.1%}, listed {got.out_of_scope_listed:.1%} (of {got.out_of_scope})")
        lines.append("  candidate weights (each candidate's probability of answering):")
        for feature, weight in sorted(zip(model.features, model.weights, strict=True), key=lambda fw: -abs(fw[1])):
            lines.append(f"  {weight:+7.3f}  {feature}: {EXPLANATIONS[feature]}")
        if model.confidence is not None:
            lines.append("  confidence weights (how sure the best candidate answers):")
            for feature, weight in sorted(zip(model.confidence.features, model.confidence.weights, strict=True),
                                          key=lambda fw: -abs(fw[1])):
                lines.append(f"  {weight:+7.3f}  {feature}: {EXPLANATIONS[feature]}")
    return "\n".join(lines)
