"""knowledge/articles/<id>.md: articles staff schedule for subscribers (YAML front matter + a text version)."""
from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from bot.knowledge.files import read_text, relative
from bot.knowledge.marked_yaml import parse_marked
from bot.knowledge.problems import Problem, unknown_name
from bot.knowledge.topics import Topics

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")  # China has no daylight saving time
ARTICLE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")  # also the mass send's clientmsgid (≤ 64 bytes)
CHANNELS = ("customer", "mass")
MASS_TEXT_MAX_BYTES = 2000
FIELDS = {"title", "summary", "url", "cover", "topics", "publish_at", "channel"}


@dataclass(frozen=True)
class Article:
    """One scheduled article: a news card (title, summary, url, cover) for the topics' subscribers."""

    id: str
    title: str
    summary: str
    url: str
    topics: tuple[str, ...]
    publish_at: datetime
    channel: str = "customer"
    cover: str = ""
    body: str = ""
    file: str = ""

    def due(self, now: float) -> bool:
        """True once its publish time has come."""
        return self.publish_at.timestamp() <= now

    @property
    def mass_text(self) -> str:
        """The text a mass send carries: the body (the text version) and the link."""
        return f"{self.body.strip()}\n\n{self.title}：{self.url}".strip()


def parse_publish_at(value: object) -> datetime:
    """ISO 8601 with an offset, or a local Beijing time without one; a date alone is refused."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        raise ValueError("a time of day is needed, e.g. 2027-03-01T09:00:00+08:00")
    else:
        moment = datetime.fromisoformat(str(value).strip())
        if len(str(value).strip()) <= 10:
            raise ValueError("a time of day is needed, e.g. 2027-03-01T09:00:00+08:00")
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """(front matter, body, line where the body starts), or None when there is no `---` block."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1:]).strip(), index + 2
    return None


def load_articles(root: Path, topics: Mapping[str, object] | None) -> tuple[dict[str, Article], list[Problem]]:
    """Read and check every article file (its topics checked against `topics` when loaded)."""
    folder = root / "articles"
    articles: dict[str, Article] = {}
    problems: list[Problem] = []
    if not folder.is_dir():
        return articles, problems
    for path in sorted(folder.glob("*.md")):
        if path.name.upper().startswith("README"):
            continue  # the instructions for staff, not an article
        article, found = read_article(root, path, topics)
        problems.extend(found)
        if article is not None:
            articles[article.id] = article
    return articles, problems


def read_article(root: Path, path: Path, topics: object, now: float | None = None) -> tuple[Article | None, list]:
    """One article file of the folder `root`, checked field by field."""
    rel = relative(root, path)
    text, problems = read_text(root, path)
    if text is None:
        return None, problems
    article_id = path.stem
    if not ARTICLE_ID.match(article_id):
        return None, [Problem(rel, 1, "the file name is the article id: lowercase letters, digits and hyphens, "
                                      "at most 64 characters, e.g. fukushima-spring.md")]
    parts = split_front_matter(text)
    if parts is None:
        return None, [Problem(rel, 1, "an article starts with a front matter block between two '---' lines")]
    front_text, body, _ = parts
    marked, problems = parse_marked(front_text, rel, first_line=2)  # the front matter starts on line 2
    if marked is None and problems:
        return None, problems
    if marked is not None and not isinstance(marked.value, dict):
        return None, [Problem(rel, 2, "the front matter must be lines of 'name: value'")]
    fields: dict = marked.value if marked is not None else {}
    front = {key: item.plain() for key, item in fields.items()}

    def line_of(key: str) -> int:
        return fields[key].line if key in fields else 1

    def error(key: str, message: str, severity: str = "error") -> None:
        problems.append(Problem(rel, line_of(key), message, severity))

    for key in sorted(set(map(str, front)) - FIELDS):
        error(key, f"unknown field '{key}' (known: {', '.join(sorted(FIELDS))})", "warning")
    title = str(front.get("title") or "").strip()
    summary = str(front.get("summary") or "").strip()
    url = str(front.get("url") or "").strip()
    cover = str(front.get("cover") or "").strip()
    channel = str(front.get("channel") or "customer").strip()
    for key, value in (("title", title), ("summary", summary), ("url", url)):
        if not value:
            error(key, f"'{key}' is missing")
    if url and not url.startswith(("http://", "https://")):
        error("url", f"url {url!r} must start with http:// or https://")
    if cover and not cover.startswith(("http://", "https://")):
        error("cover", f"cover {cover!r} must be a picture address starting with http:// or https://")
    if len(title) > 64:
        error("title", f"the title has {len(title)} characters: WeChat cuts news titles after 64", "warning")
    if len(summary) > 120:
        error("summary", f"the summary has {len(summary)} characters: keep it under 120 for a phone", "warning")
    if channel not in CHANNELS:
        error("channel", f"channel {channel!r} must be 'customer' (客服消息, default) or 'mass' (群发)")
    raw_topics = front.get("topics")
    wanted = [str(t) for t in raw_topics] if isinstance(raw_topics, list) else []
    if not wanted:
        error("topics", "'topics' must list at least one topic id, e.g. topics: [tourism, nagano]")
    if isinstance(topics, Topics):
        for topic_id in wanted:
            if topics.get(topic_id) is None:
                error("topics", unknown_name("topic", topic_id, topics))
    if channel == "mass":
        if len(wanted) != 1:
            error("topics", "a mass send goes to one topic's tag: a follower in two tags would get it twice")
        if not body:
            error("channel", "a mass send carries the text below the front matter, and it is empty")
        elif len(body.encode()) > MASS_TEXT_MAX_BYTES:
            error("channel", f"the text is {len(body.encode())} bytes: a mass text must stay under "
                             f"{MASS_TEXT_MAX_BYTES}")
    elif not body:
        problems.append(Problem(rel, 1, "no text version below the front matter (shown by `bot push preview`)",
                                "warning"))
    publish_at = None
    if "publish_at" not in front:
        error("publish_at", "'publish_at' is missing, e.g. publish_at: 2027-03-01T09:00:00+08:00")
    else:
        try:
            publish_at = parse_publish_at(front["publish_at"])
        except (TypeError, ValueError) as exc:
            error("publish_at", f"publish_at {front['publish_at']!r} is not a date and time: {exc}")
    if publish_at is not None and publish_at.timestamp() < (now if now is not None else time.time()):
        error("publish_at", f"publish_at {publish_at.isoformat()} is in the past: if this article was never sent, "
                            "the next push run sends it at once", "warning")
    if any(p.severity == "error" for p in problems) or publish_at is None:
        return None, problems
    return Article(id=article_id, title=title, summary=summary, url=url, topics=tuple(wanted),
                   publish_at=publish_at, channel=channel, cover=cover, body=body, file=rel), problems
