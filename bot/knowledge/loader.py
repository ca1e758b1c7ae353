"""Read `knowledge/` into one immutable, typed Knowledge object, or say file:line what is wrong.

The parts are read in a fixed order, written out below (no registry): topics first (the others name topic ids),
then the FAQ and the articles, then the menu, then the conversation and the subjects (they name FAQ entry ids).
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.infra.knowledge_limits import ReadLimits
from bot.knowledge.articles import Article, load_articles
from bot.knowledge.conversation import NO_CONVERSATION, Conversation, load_conversation
from bot.knowledge.faq import Faq, load_faq
from bot.knowledge.files import fingerprint, list_folder, relative, skipped_problems
from bot.knowledge.limits import reading_with
from bot.knowledge.marked_yaml import read_needed
from bot.knowledge.menu import NO_MENU, Menu, load_menu
from bot.knowledge.problems import KnowledgeError, Problem
from bot.knowledge.subjects import NO_SUBJECTS, Subjects, load_subjects
from bot.knowledge.texts import ALL_TEXTS, ReplyText, placeholders_in
from bot.knowledge.topics import NO_TOPICS, Topics, load_topics

__all__ = ["SECTIONS", "Knowledge", "KnowledgeError", "Problem", "check_knowledge", "load_knowledge"]

# The parts of the folder besides replies.yaml, in load order; `only` names some of them.
SECTIONS = ("topics", "faq", "articles", "menu", "conversation", "subjects")


@dataclass(frozen=True)
class Knowledge:
    """One loaded, validated version of the knowledge folder (a part not loaded is empty, the FAQ None)."""

    version: str
    texts: Mapping[str, str]
    root: Path
    topics: Topics = NO_TOPICS
    faq: Faq | None = None
    articles: Mapping[str, Article] = field(default_factory=dict)
    menu: Menu = NO_MENU
    conversation: Conversation = NO_CONVERSATION
    subjects: Subjects = NO_SUBJECTS

    def text(self, which: ReplyText, **values: object) -> str:
        """A sentence from replies.yaml, with its {placeholders} filled."""
        raw = self.texts.get(which.key, "")
        return raw.format(**values).strip() if values else raw.strip()


def load_texts(root: Path) -> tuple[dict[str, str], list[Problem]]:
    """replies.yaml: every fixed sentence the bot says, each one the code names present and fillable."""
    path = root / "replies.yaml"
    rel = relative(root, path)
    if not path.exists() and not path.is_symlink():
        return {}, [Problem(rel, 1, "replies.yaml is missing")]
    data, problems = read_needed(root, path)
    if data is None:
        return {}, problems
    if not isinstance(data.value, dict):
        return {}, [Problem(rel, data.line, "replies.yaml must be a list of name: text lines")]
    texts = {key: str(value) for key, value in data.plain().items() if value is not None}
    lines = {key: marked.line for key, marked in data.value.items()}
    known = {t.key for t in ALL_TEXTS}
    for which in ALL_TEXTS:
        text = texts.get(which.key, "")
        line = lines.get(which.key, 1)
        if not text.strip():
            problems.append(Problem(rel, line, f"the text '{which.key}' is missing or empty: the bot says it when "
                                               f"{which.when} (缺少这句话)"))
            continue
        try:
            asked = placeholders_in(text)
        except ValueError:
            problems.append(Problem(rel, line, f"the text '{which.key}' has a {{ or }} that is not a placeholder: "
                                               "write {{ or }} for a brace (花括号不成对)"))
            continue
        extra = sorted(asked - set(which.placeholders))
        if extra:
            offered = ", ".join(f"{{{p}}}" for p in which.placeholders) or "no placeholder"
            problems.append(Problem(rel, line, f"the text '{which.key}' uses {', '.join(f'{{{p}}}' for p in extra)}, "
                                               f"which the bot does not fill in (it offers {offered})"))
    for key in sorted(set(texts) - known):
        problems.append(Problem(rel, lines.get(key, 1), f"the text '{key}' is not used by the bot "
                                                        "(a typo of another name?)", "warning"))
    return texts, problems


def check_knowledge(root: Path, *, only: Collection[str] | None = None,
                    limits: ReadLimits | None = None) -> tuple[Knowledge | None, list[Problem]]:
    """Load and validate everything (or the SECTIONS named in `only`, and replies.yaml); return the Knowledge
    (None when there are errors) and every problem."""
    root = Path(root)
    unknown = set(only or ()) - set(SECTIONS)
    if unknown:
        raise ValueError(f"unknown knowledge section(s): {', '.join(sorted(unknown))}")

    def wanted(name: str) -> bool:
        return only is None or name in only

    problems: list[Problem] = []
    parts: dict[str, object] = {}

    def read(name: str, load, *args: object) -> None:
        """One part, its problems collected; a bug in a reader is a problem, never a crash of the bot."""
        if not wanted(name):
            return
        try:
            value, found = load(root, *args)
        except Exception as exc:
            value, found = None, [Problem(root.name, 1, f"could not load {name}: {type(exc).__name__}: {exc}")]
        problems.extend(found)
        if value is not None:
            parts[name] = value

    with reading_with(limits):
        listing = list_folder(root)
        before = fingerprint(root, listing)
        problems.extend(skipped_problems(root, listing))
        texts, found = load_texts(root)
        problems.extend(found)
        read("topics", load_topics)
        topics = parts.get("topics")
        read("faq", load_faq, topics)
        read("articles", load_articles, topics)
        read("menu", load_menu)
        faq = parts.get("faq")
        entry_ids = set(faq.entries) if isinstance(faq, Faq) and faq.entries else None
        read("conversation", load_conversation, entry_ids)
        read("subjects", load_subjects, entry_ids)
        version = fingerprint(root)
    problems = list(dict.fromkeys(problems))  # a skipped file is named once, however many readers met it
    if version != before:  # saved while being read: what was read may be half old, half new
        problems.append(Problem(root.name, 1, "the files changed while they were being checked: check again "
                                              "(检查期间文件有改动，请再检查一次)"))
    if any(p.severity == "error" for p in problems):
        return None, problems
    return Knowledge(version=version, texts=texts, root=root, **parts), problems  # type: ignore[arg-type]


def load_knowledge(root: Path, *, only: Collection[str] | None = None, limits: ReadLimits | None = None) -> Knowledge:
    """Load and validate the folder (or only some sections); raise KnowledgeError listing every error."""
    knowledge, problems = check_knowledge(root, only=only, limits=limits)
    if knowledge is None:
        raise KnowledgeError([p for p in problems if p.severity == "error"])
    return knowledge
