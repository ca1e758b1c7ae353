"""Fixtures of the matcher tests."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def small_index(small_knowledge):
    """The FAQ index of the small knowledge of tests/kbkit.py."""
    return small_knowledge.faq.index
