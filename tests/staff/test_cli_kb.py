"""Staff commands: `bot kb check`, `bot ask`, `bot report unanswered` (sentences, never tracebacks)."""
from __future__ import annotations

import json
import time
from datetime import date, timedelta
from pathlib import Path

from click.testing import CliRunner

from bot.followers import unanswered
from bot.staff.cli import cli
from tests.kbkit import FAQ


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env or {}, catch_exceptions=False)


def test_kb_check_passes_a_good_folder(small_kb: Path) -> None:
    result = run("kb", "check", "--dir", str(small_kb))
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith(f"{small_kb}: 6 FAQ entries, ")
    assert "0 error(s), 0 warning(s). OK" in result.output


def test_kb_check_prints_file_line_problems_and_exits_1(small_kb: Path) -> None:
    broken = FAQ.replace("  answer: 传真：+86-10-6513-8795\n", "").replace("url: \"https://www.go-nagano.net/\"",
                                                                        "url: www.go-nagano.net")
    (small_kb / "faq" / "main.yaml").write_text(broken, encoding="utf-8")
    result = run("kb", "check", "--dir", str(small_kb))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "knowledge/faq/main.yaml:8: error: the entry has no 'answer'" in lines
    assert any(line.startswith("knowledge/faq/main.yaml:") and "http://" in line for line in lines)
    assert "Not loadable" in lines[-1] and "Traceback" not in result.output


def test_kb_check_the_real_knowledge_has_no_errors() -> None:
    result = run("kb", "check", "--errors-only")
    assert result.exit_code == 0, result.output


def test_kb_check_on_a_missing_folder_is_a_sentence(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["kb", "check", "--dir", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "is not a folder" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_ask_json_is_the_contract(small_kb: Path) -> None:
    result = run("ask", "--json", "--dir", str(small_kb), "你们电话多少")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert {"reply", "handler", "decision", "entry", "suggestions", "score", "candidates", "normalized",
            "tokens"} <= set(data)
    assert (data["entry"], data["handler"], data["decision"]) == ("contact-phone", "keywords", "answer")
    assert data["reply"] == "电话：+86-10-6513-8791"
    assert data["candidates"][0]["id"] == "contact-phone"


def test_ask_json_for_a_list_and_a_fallback(small_kb: Path) -> None:
    listing = json.loads(run("ask", "--json", "--dir", str(small_kb), "长野").output)
    assert (listing["decision"], listing["entry"]) == ("suggest", None)
    assert set(listing["suggestions"]) == {"tourism-nagano", "tourism-nagano-ski"}
    fallback = json.loads(run("ask", "--json", "--dir", str(small_kb), "签证怎么办").output)
    assert (fallback["decision"], fallback["entry"], fallback["handler"]) == ("fallback", None, "fallback")


def test_ask_explains_for_people(small_kb: Path) -> None:
    result = run("ask", "--dir", str(small_kb), "長野縣", "滑雪場推薦")
    assert result.exit_code == 0
    out = result.output
    assert "normalized:  长野县 滑雪场推荐" in out
    assert "tokens:      长野县 | 滑雪场 | 推荐" in out
    assert "decision:    answer by" in out and "tourism-nagano-ski" in out
    assert "candidates:  probability it answers | word match | meaning match" in out
    assert "\n  1. " in out
    assert out.rstrip().endswith("长野县的白马、志贺高原都是著名的滑雪场。")


def test_ask_decides_as_the_deployment_does_and_says_why(small_kb: Path) -> None:
    rules = run("ask", "--dir", str(small_kb), "JET项目的具体内容介绍", env={"BOT_MATCH_DECISION": "rules"}).output
    assert "why:" not in rules and "by fuzzy → jet-about" in rules  # the rules name their route instead
    calibrated = run("ask", "--dir", str(small_kb), "JET项目的具体内容介绍").output  # the default decision
    assert "decision:    answer by model → jet-about" in calibrated
    why = next(line for line in calibrated.splitlines() if line.startswith("why:"))
    assert "sure the best entry answers; it answers from" in why and "below that the fallback" in why


def test_ask_with_broken_knowledge_is_a_sentence(small_kb: Path) -> None:
    (small_kb / "faq" / "main.yaml").write_text("- id: [\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["ask", "--dir", str(small_kb), "电话"])
    assert result.exit_code == 1
    assert "the knowledge has errors (run `bot kb check`)" in result.output
    assert "knowledge/faq/main.yaml:" in result.output


def test_report_unanswered_groups_similar_questions(store, redis_url: str) -> None:
    now = time.time()
    asked = [("o1", "签证怎么办理"), ("o2", "签证怎么办理？"), ("o1", "簽證怎麼辦理"), ("o3", "签证如何办理"),
             ("o2", "日元汇率多少"), ("o4", "机票多少钱")]
    for openid, text in asked:
        unanswered.record(store, openid=openid, text=text, score=0.31, now=now)
    unanswered.record(store, openid="o5", text="很久以前的问题", score=0.1, now=now - 40 * 86400)
    since = (date.today() - timedelta(days=7)).isoformat()
    result = run("report", "unanswered", "--since", since, env={"REDIS_URL": redis_url, "REDIS_KEY_PREFIX": "test:"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"6 unanswered question(s) since {since} in 3 group(s):"
    first = lines[2].split()
    assert first[:2] == ["4", "3"]  # 4 times, by 3 followers: the biggest group first
    assert first[-1] in {"签证怎么办理", "签证怎么办理？", "簽證怎麼辦理", "签证如何办理"}
    assert "很久以前" not in result.output
    limited = run("report", "unanswered", "--since", since, "--limit", "1",
                  env={"REDIS_URL": redis_url, "REDIS_KEY_PREFIX": "test:"})
    assert "… 2 more group(s): use --limit" in limited.output


def test_report_unanswered_with_a_bad_date_or_dead_redis_is_a_sentence() -> None:
    bad_date = CliRunner().invoke(cli, ["report", "unanswered", "--since", "last week"])
    assert bad_date.exit_code == 2
    assert "last week" in bad_date.output and "Traceback" not in bad_date.output
    dead = CliRunner().invoke(cli, ["report", "unanswered", "--since", "2024-01-01"],
                              env={"REDIS_URL": "redis://127.0.0.1:9/0"})
    assert dead.exit_code == 1
    assert "cannot read the unanswered questions" in dead.output and "Traceback" not in dead.output
