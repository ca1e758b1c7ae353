"""Hot reload: notice changed knowledge files, load them aside, swap atomically, keep the last good."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection
from pathlib import Path

from bot.knowledge.loader import Knowledge, KnowledgeError, load_knowledge

log = logging.getLogger(__name__)


def _stat_signature(root: Path) -> tuple:
    sig = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            st = path.stat()
            sig.append((str(path), st.st_mtime_ns, st.st_size))
    return tuple(sig)


class KnowledgeHolder:
    """Holds the knowledge in use; `current` checks the folder at most every `interval` seconds."""

    def __init__(self, root: Path, *, interval: float = 2.0, background: bool = False,
                 only: Collection[str] | None = None) -> None:
        self.root = Path(root)
        self.only = only  # load just these sections (a push worker needs no FAQ index)
        self.interval = interval
        self.background = background  # web processes: load a new version on a thread, never inside a request
        self._signature = _stat_signature(self.root)
        self._knowledge: Knowledge = load_knowledge(self.root, only=self.only)  # the first load must succeed
        self._checked = time.monotonic()
        self._lock = threading.Lock()
        self.last_error: KnowledgeError | None = None

    @property
    def current(self) -> Knowledge:
        """The knowledge to answer with now; changed files are reloaded first, or beside it in background mode."""
        if time.monotonic() - self._checked >= self.interval:
            if not self.background:
                self.reload_if_changed()
            elif not self._lock.locked():
                self._checked = time.monotonic()
                threading.Thread(target=self.reload_if_changed, name="knowledge-reload", daemon=True).start()
        return self._knowledge

    def reload_if_changed(self) -> bool:
        """Reload when any file changed; True when a new version went live."""
        if not self._lock.acquire(blocking=False):
            return False  # another thread is already loading; keep serving
        try:
            self._checked = time.monotonic()
            try:
                signature = _stat_signature(self.root)
            except OSError as exc:  # a file vanished mid-walk (an editor saving it): look again next time
                log.info("knowledge folder changing while checked (%s); keeping version %s", exc,
                         self._knowledge.version)
                return False
            if signature == self._signature:
                return False
            self._signature = signature
            try:
                fresh = load_knowledge(self.root, only=self.only)
            except KnowledgeError as exc:
                self.last_error = exc
                log.error("knowledge not reloaded, still serving version %s:\n%s", self._knowledge.version, exc)
                return False
            except Exception:
                log.exception("knowledge not reloaded, still serving version %s", self._knowledge.version)
                return False
            self.last_error = None
            old, self._knowledge = self._knowledge.version, fresh
            log.info("knowledge reloaded: %s -> %s", old, fresh.version)
            return True
        finally:
            self._lock.release()
