"""The curated knowledge staff edit: loading, validation, hot reload, matching."""
from __future__ import annotations

from bot.knowledge.loader import Knowledge, load_knowledge
from bot.knowledge.problems import KnowledgeError, Problem
from bot.knowledge.reload import KnowledgeHolder

__all__ = ["Knowledge", "KnowledgeError", "KnowledgeHolder", "Problem", "load_knowledge"]
