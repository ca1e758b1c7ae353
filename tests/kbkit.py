"""Small knowledge folders written in tmp_path, for matcher and validation tests."""
from __future__ import annotations

from pathlib import Path

from bot.devkit import knowledge_folder
from bot.devkit.knowledge_folder import TOPICS, write

__all__ = ["FAQ", "SYNONYMS", "TOPICS", "WORDS", "write", "write_knowledge"]

# A small FAQ shaped like the real one: contact details, JET, tourism.
FAQ = """\
- id: contact-phone
  question: 北京事务所的电话是多少？
  similar: [你们电话多少, 怎么打电话给你们, 电话号码是多少, 联系电话, phone number]
  keywords: [电话]
  answer: 电话：+86-10-6513-8791
  source: brochure

- id: contact-fax
  question: 北京事务所的传真是多少？
  similar: [传真号码多少, 怎么发传真给你们, 传真号, 你们有传真吗, fax number]
  keywords: [传真]
  answer: 传真：+86-10-6513-8795
  source: brochure

- id: jet-apply
  question: JET项目怎么申请？
  similar: [怎么报名参加JET项目, JET项目申请条件, 如何申请JET项目, JET项目报名方法, 想参加JET项目]
  answer: JET项目由日本驻华使馆招募，请关注使馆通知。
  topics: [jet]
  source: general

- id: jet-about
  question: JET项目是什么？
  similar: [介绍一下JET项目, JET项目是干什么的, 什么是JET项目, JET项目的全称, JET项目的目的]
  keywords: [JET项目]
  answer: JET项目是外语指导等外国青年聘用项目。
  more: [第二页：JET项目始于1987年。]
  topics: [jet]
  source: brochure

- id: tourism-nagano
  question: 长野县有什么好玩的？
  similar: [长野县旅游, 长野县有哪些景点, 去长野县玩什么, 长野县美食, 长野县什么季节去最好]
  answer: 长野县：善光寺、松本城、上高地。
  link: {title: 长野县旅游, url: "https://www.go-nagano.net/", picurl: ""}
  topics: [tourism]
  source: general

- id: tourism-nagano-ski
  question: 长野县哪里可以滑雪？
  similar: [长野县滑雪场, 长野县滑雪去哪里, 去长野县滑雪, 长野县冬天滑雪, 长野县滑雪场推荐]
  answer: 长野县的白马、志贺高原都是著名的滑雪场。
  topics: [tourism]
  source: general
"""

SYNONYMS = """\
JET项目: [JET, JET计划]
电话: [phone, 电话号]
"""

WORDS = """\
JET项目 2000 n
长野县 2000 ns
"""


def write_knowledge(root: Path, *, faq: dict[str, str] | None = None, synonyms: str | None = SYNONYMS,
                    words: str | None = WORDS, topics: str | None = TOPICS,
                    conversation: str | None = None) -> Path:
    """A knowledge folder at root/knowledge with the real replies.yaml, this small FAQ and the given files."""
    return knowledge_folder.write_knowledge(root, faq=faq if faq is not None else {"main.yaml": FAQ},
                                            synonyms=synonyms, words=words, topics=topics,
                                            conversation=conversation)
