"""The built-in sections of the knowledge folder, in load order (importing a module registers it)."""
from __future__ import annotations
