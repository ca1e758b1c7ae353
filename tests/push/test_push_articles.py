"""Articles and topics as staff write them: what `bot kb check` says, file and line."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot import PROJECT_ROOT
from bot.knowledge.articles import SHANGHAI, load_articles, parse_publish_at
from bot.knowledge.loader import check_knowledge
from bot.knowledge.menu import load_menu
from bot.knowledge.topics import load_topics


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", folder)
    return folder


def problems_of(root: Path, severity: str = "error") -> list[str]:
    _, problems = check_knowledge(root)
    return [str(p) for p in problems if p.severity == severity and "/faq/" not in p.file]


def article(root: Path, name: str, front: str, body: str = "正文。") -> None:
    (root / "articles" / name).write_text(f"---\n{front.strip()}\n---\n{body}\n", encoding="utf-8")


GOOD = """
title: 标题
summary: 摘要
url: http://www.clair.org.cn/
topics: [tourism]
publish_at: 2099-03-01T09:00:00+08:00
"""


def test_the_shipped_topics_articles_and_menu_have_no_problems():
    root = PROJECT_ROOT / "knowledge"
    topics, found_topics = load_topics(root)
    articles, found_articles = load_articles(root, topics)
    menu, found_menu = load_menu(root)
    assert found_topics + found_articles + found_menu == []
    assert {"jet-program-2023", "fukushima-four-seasons", "seminar-history"} <= set(articles)
    assert len(topics) == 26
    assert menu.keys["SUBSCRIBE_TOURISM"] == "订阅 旅游"


def test_a_good_article_loads(root):
    article(root, "good-one.md", GOOD)
    topics, _ = load_topics(root)
    articles, problems = load_articles(root, topics)
    assert problems == []
    loaded = articles["good-one"]
    assert loaded.topics == ("tourism",) and loaded.channel == "customer" and loaded.body == "正文。"


@pytest.mark.parametrize(("name", "front", "expected"), [
    ("bad-topic.md", GOOD.replace("[tourism]", "[tourism, mars]"), "bad-topic.md:5: unknown topic 'mars'"),
    ("no-url.md", GOOD.replace("url: http://www.clair.org.cn/\n", ""), "no-url.md:1: 'url' is missing"),
    ("ftp-url.md", GOOD.replace("http://www.clair.org.cn/", "ftp://x"), "ftp-url.md:4: url 'ftp://x' must start"),
    ("no-time.md", GOOD.replace("2099-03-01T09:00:00+08:00", "2099-03-01"), "no-time.md:6: publish_at"),
    ("bad-time.md", GOOD.replace("2099-03-01T09:00:00+08:00", "next monday"), "bad-time.md:6: publish_at"),
    ("Bad_Name.md", GOOD, "Bad_Name.md:1: the file name is the article id"),
    ("mass-two.md", GOOD.replace("[tourism]", "[tourism, nagano]") + "channel: mass",
     "mass-two.md:5: a mass send goes to one topic's tag"),
    ("odd-channel.md", GOOD + "channel: sms", "odd-channel.md:7: channel 'sms'"),
    ("no-front.md", "", "no-front.md:1: an article starts with a front matter block"),
])
def test_article_errors_name_file_and_line(root, name, front, expected):
    if front:
        article(root, name, front)
    else:
        (root / "articles" / name).write_text("标题\n正文\n", encoding="utf-8")
    errors = problems_of(root)
    assert any(expected in e for e in errors), errors


def test_a_past_time_is_a_warning_not_an_error(root):
    article(root, "old-news.md", GOOD.replace("2099", "2020"))
    assert problems_of(root) == []
    assert any("old-news.md:6: publish_at" in w and "in the past" in w for w in problems_of(root, "warning"))


def test_a_time_without_offset_is_beijing_time():
    assert parse_publish_at("2027-04-05 09:00") == parse_publish_at("2027-04-05T09:00:00+08:00")
    assert parse_publish_at("2027-04-05T01:00:00+00:00").astimezone(SHANGHAI).hour == 9


def test_topic_problems(root):
    text = (root / "topics.yaml").read_text(encoding="utf-8")
    text = text.replace("aliases: [旅行, 观光,", "aliases: [长野, 旅行, 观光,")  # 长野 now names two topics
    text = text.replace("tag: 活动", "tag: 这个标签的名字实在是太长太长了超过三十字节")
    (root / "topics.yaml").write_text(text, encoding="utf-8")
    errors = problems_of(root)
    assert any("topics.yaml:" in e and "'长野' names both" in e for e in errors), errors
    assert any("topics.yaml:16:" in e and "63 bytes" in e for e in errors), errors  # the topic's first line


def test_an_article_of_a_removed_topic_is_caught(root):
    article(root, "nagano-news.md", GOOD.replace("[tourism]", "[nagano]"))
    text = (root / "topics.yaml").read_text(encoding="utf-8").replace("- id: nagano", "- id: nagano-pref")
    (root / "topics.yaml").write_text(text, encoding="utf-8")
    assert any("unknown topic 'nagano'" in e for e in problems_of(root))
