"""`bot report unanswered` and `bot report handoffs` on traffic sent through the real webhook."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.followers import unanswered
from bot.staff.chat import WebhookClient
from tests.constants import AES_KEY, APP_ID, TOKEN


@pytest.fixture
def report(bot, knowledge_dir: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("KNOWLEDGE_DIR", str(knowledge_dir))  # the real knowledge, to mark what it answers now
    return bot


def say(app, openid: str, *texts: str) -> None:
    client = WebhookClient(app, token=TOKEN, aes_key=AES_KEY, app_id=APP_ID, openid=openid)
    for text in texts:
        client.say(text)


def test_the_report_shows_real_questions_unpicked_lists_and_feedback(app, store, report, tmp_path: Path) -> None:
    say(app, "o_r1", "签证怎么办", "你好", "3")
    say(app, "o_r2", "签证怎么办理", "料理")  # a list nobody picks from
    say(app, "o_r3", "派遣", "1")  # a list picked from
    say(app, "o_r4", "东京本部的地址是什么", "不对")
    for old in ("您好", "🙏", "\u200b", "2", "谢谢"):  # logged before small talk had its own answer
        unanswered.record(store, openid="o_old", text=old, score=0.1)
    unanswered.record(store, openid="o_old", text="传真号码多少", score=0.2)  # answered by today's knowledge
    out = tmp_path / "report.csv"
    result = report("report", "unanswered", "--csv", str(out))
    assert result.exit_code == 0, result.output
    text = result.output
    assert "3 unanswered question(s) since" in text
    for noise in ("您好", "🙏", "谢谢", "你好"):
        assert noise not in text
    assert "签证怎么办" in text
    assert "传真号码多少  (now answered: contact-fax)" in text
    lists = text.split("您是想问 lists nobody picked from (1):")[1]
    assert "料理" in lists and "派遣" not in lists
    assert "answers followers said were not it (1):" in text and "[tokyo-headquarters]" in text
    with out.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["section"] for r in rows} == {"unanswered", "list", "not_it"}
    assert [r["answered_now"] for r in rows if r["question"] == "传真号码多少"] == ["contact-fax"]


def test_an_empty_report_and_a_bad_csv_path_are_sentences(report, tmp_path: Path) -> None:
    empty = report("report", "unanswered")
    assert empty.exit_code == 0 and "No unanswered questions since" in empty.output
    bad = report("report", "unanswered", "--csv", str(tmp_path / "missing" / "r.csv"))
    assert bad.exit_code == 1 and "cannot write" in bad.output and "Traceback" not in bad.output


def test_the_handoff_report_lists_each_request(app, report) -> None:
    say(app, "o_h1", "人工")
    say(app, "o_h2", "签证怎么办", "护照丢了怎么办")
    result = report("report", "handoffs")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("2 request(s) for a person since")
    assert "misses" in lines[2] and "o_h2" in lines[2] and "护照丢了怎么办" in lines[2]
    assert "asked" in lines[3] and "o_h1" in lines[3] and "人工" in lines[3]
    assert "No requests" in report("report", "handoffs", "--since", "2999-01-01").output
