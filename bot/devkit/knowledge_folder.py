"""Knowledge folders written from text, for tests and benchmarks: the real replies, a small topics file, any FAQ."""
from __future__ import annotations

import os
import textwrap
from pathlib import Path

from bot import PROJECT_ROOT

TOPICS = """\
- id: tourism
  name: 旅游
  aliases: [旅行]
  description: 日本各地的景点
  tag: 旅游
- id: jet
  name: JET项目
  aliases: [JET]
  description: JET项目的消息
  tag: JET
"""


def write_knowledge(root: Path, *, faq: dict[str, str], synonyms: str | None = None, words: str | None = None,
                    topics: str | None = TOPICS, conversation: str | None = None) -> Path:
    """A knowledge folder at root/knowledge: the real replies.yaml, `faq` (file name → text) and the given files."""
    folder = root / "knowledge"
    (folder / "faq").mkdir(parents=True, exist_ok=True)
    (folder / "replies.yaml").write_text((PROJECT_ROOT / "knowledge" / "replies.yaml").read_text("utf-8"), "utf-8")
    for name, text in faq.items():
        write(folder / "faq" / name, text)
    for name, text in (("synonyms.yaml", synonyms), ("words.txt", words), ("topics.yaml", topics),
                       ("conversation.yaml", conversation)):
        if text is not None:
            write(folder / name, text)
    return folder


def write(path: Path, text: str) -> None:
    """Write a file and make sure its modification time moves (reload detection compares it)."""
    existed = path.exists()
    old = path.stat().st_mtime_ns if existed else 0
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    if existed:
        stamp = max(path.stat().st_mtime_ns, old + 1_000_000)
        os.utime(path, ns=(stamp, stamp))
