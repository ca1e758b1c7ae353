"""The curated knowledge staff edit: loading, validation, hot reload, matching."""
from __future__ import annotations

from bot.knowledge.loader import Knowledge, KnowledgeError, Problem, load_knowledge
from bot.knowledge.reload import KnowledgeHolder

__all__ = ["Knowledge", "KnowledgeError", "KnowledgeHolder", "Problem", "load_knowledge"]
