"""The conversation's records in the inbox: answers followers said were not it, and requests for a person."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.kbkit import write_knowledge

CONVERSATION = """\
requests:
  person:
    phrasings: [人工, 转人工]
  not_it:
    phrasings: [不对, 不是这个]
"""


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    """The small knowledge with the conversation file's requests (不对, 转人工)."""
    folder = write_knowledge(tmp_path / "kb")
    (folder / "conversation.yaml").write_text(CONVERSATION, encoding="utf-8")
    return folder


def test_feedback_and_requests_for_a_person_reach_the_inbox(staff, follower):
    assert "电话" in follower("北京事务所的电话是多少")
    follower("不对")  # the answer was not it
    follower("转人工", openid="o_wants_a_person")
    page = staff.get("/console/inbox").get_data(as_text=True)
    assert "关注者说答得不对" in page and 'data-question="北京事务所的电话是多少"' in page
    assert "要求转人工" in page and 'data-question="转人工"' in page


def test_the_dashboard_counts_requests_for_a_person(staff, follower):
    follower("转人工", openid="o_wants_a_person")
    follower("北京事务所的电话是多少")
    page = staff.get("/console/dashboard").get_data(as_text=True)
    assert "转人工 1" in page and "直接回答 1" in page
