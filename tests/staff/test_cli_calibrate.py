"""`bot kb calibrate`: labelled questions in, a model file out that the matcher reads; sentences for mistakes."""
from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from bot.matching.features import FEATURES, LEXICAL_FEATURES
from bot.matching.model import read_model
from bot.staff.cli import cli

# Questions for the small knowledge of tests/kbkit.py, written apart from its phrasings.
BY_ENTRY = {
    "contact-phone": ["北京办事处电话", "打电话找你们打哪个号", "你们的电话号码", "电话是几号",
                      "what is your phone number", "電話番号は"],
    "contact-fax": ["传真多少", "你们传真号码是多少", "fax", "发传真发到哪", "能发传真吗", "传真号码给一下"],
    "jet-apply": ["JET怎么报名", "我想申请JET", "JET项目如何参加", "参加JET有什么条件", "JET的申请方法",
                  "how to apply for JET"],
    "jet-about": ["JET是干嘛的", "JET项目介绍", "什么叫JET", "what is the JET programme", "JET项目是啥",
                  "给我讲讲JET项目"],
    "tourism-nagano": ["长野有什么景点", "长野县好玩吗", "去长野旅游", "长野县有啥好吃的", "长野什么时候去好",
                       "长野县景点推荐"],
    "tourism-nagano-ski": ["长野滑雪", "长野哪里能滑雪", "长野县的滑雪场", "冬天去长野滑雪", "长野滑雪场哪个好",
                           "去长野县滑雪好吗"],
}
LABELLED = [(q, entry) for entry, questions in BY_ENTRY.items() for q in questions]
PROBES = ["今天天气怎么样", "签证怎么办", "推荐一家餐厅", "你们几点下班", "股票怎么买", "北京到上海的高铁",
          "怎么学日语", "附近有银行吗", "手机坏了怎么修", "周末有什么电影"]


def files(tmp_path: Path) -> tuple[Path, Path]:
    questions, probes = tmp_path / "questions.yaml", tmp_path / "probes.yaml"
    questions.write_text(yaml.safe_dump([{"q": q, "expect": e, "kind": "test"} for q, e in LABELLED],
                                        allow_unicode=True), encoding="utf-8")
    probes.write_text(yaml.safe_dump(PROBES, allow_unicode=True), encoding="utf-8")
    return questions, probes


def calibrate(small_kb: Path, tmp_path: Path, *extra: str):
    questions, probes = files(tmp_path)
    return CliRunner().invoke(cli, ["kb", "calibrate", "--dir", str(small_kb), "--questions", str(questions),
                                    "--out-of-scope", str(probes), *extra], catch_exceptions=False)


def test_calibrate_writes_a_model_file_the_matcher_reads(small_kb: Path, tmp_path: Path) -> None:
    out = tmp_path / "model.yaml"
    result = calibrate(small_kb, tmp_path, "--out", str(out), "--max-wrong", "0.02")
    assert result.exit_code == 0, result.output
    assert "semantic model: answer at confidence ≥" in result.output
    assert "lexical model: answer at confidence ≥" in result.output
    assert "confidence weights" in result.output
    assert "cross-validated: right" in result.output
    assert f"written: {out}" in result.output
    model = read_model(out)
    assert model.semantic.features == FEATURES and model.lexical.features == LEXICAL_FEATURES
    assert model.about["targets"]["max_wrong"] == 0.02
    assert model.about["calibration_questions"] == len(LABELLED) + len(PROBES) + 6 * 3  # + phrasings left out
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# The matcher's calibrated decision") and "do not\n# edit by hand" in text
    # the figures written beside the thresholds hold the target they were chosen for
    figures = yaml.safe_load(text)["models"]["semantic"]["figures"]["cross_validated"]
    assert figures["wrong"] <= 0.02 and figures["in_scope"] == len(LABELLED) + 18


def test_dry_run_writes_nothing(small_kb: Path, tmp_path: Path) -> None:
    out = tmp_path / "model.yaml"
    result = calibrate(small_kb, tmp_path, "--out", str(out), "--dry-run")
    assert result.exit_code == 0 and "written" not in result.output and not out.exists()


def test_mistakes_are_sentences(small_kb: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["kb", "calibrate", "--dir", str(small_kb), "--questions",
                                      str(tmp_path / "none.yaml"), "--dry-run"])
    assert result.exit_code == 1 and "labelled file not found" in result.output
    (small_kb / "faq" / "main.yaml").write_text("- id: [\n", encoding="utf-8")
    result = calibrate(small_kb, tmp_path, "--dry-run")
    assert result.exit_code == 1 and "the knowledge does not load, fix it first" in result.output
    assert "Traceback" not in result.output
