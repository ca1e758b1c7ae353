"""CLAIR Beijing WeChat Official Account bot: the engine."""
from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
