"""The matcher: normalize → cut (jieba + domain words + synonyms) → retrieve → rerank → decide."""
from __future__ import annotations

from bot.matching.decide import DEFAULT_POLICY, Decision, Policy, decide
from bot.matching.index import Candidate, ExactHit, FaqIndex
from bot.matching.normalize import normalize
from bot.matching.phrasings import IndexEntry, Phrasing
from bot.matching.tokenize import Analysis, Lexicon

__all__ = ["DEFAULT_POLICY", "Analysis", "Candidate", "Decision", "ExactHit", "FaqIndex", "IndexEntry", "Lexicon",
           "Phrasing", "Policy", "decide", "normalize"]
