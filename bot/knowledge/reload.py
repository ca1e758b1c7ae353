"""Hot reload: notice changed knowledge files, load them aside, swap atomically, keep the last good (in memory and,
across restarts, as a snapshot under the data dir)."""
from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Collection
from pathlib import Path

from bot.infra.config import Config
from bot.infra.knowledge_limits import ReadLimits
from bot.knowledge.files import list_folder
from bot.knowledge.limits import reading_with
from bot.knowledge.loader import Knowledge, load_knowledge
from bot.knowledge.problems import KnowledgeError, Problem
from bot.knowledge.snapshot import Snapshots

log = logging.getLogger(__name__)

SNAPSHOT_FOLDER = "knowledge-snapshot"
STALLED_AFTER = 30.0  # seconds without a finished look at the folder: the watcher is stuck (health says so)


def _stat_signature(root: Path) -> tuple:
    """What changes when any file is saved, added or removed: names, times and sizes (no file is opened)."""
    listing = list_folder(root)
    return listing.stats, tuple(str(p) for p in listing.skipped)


class KnowledgeHolder:
    """Holds the knowledge in use.

    `background=True` (web processes): a watcher thread looks at the folder every `interval` seconds and swaps a new
    version in beside serving, so `current` never loads and an edit is live without waiting for a request. The
    thread is restarted in a forked child (gunicorn --preload builds the app in the master, and threads do not
    survive a fork). Otherwise `current` looks at the folder itself at most every `interval` seconds.
    """

    def __init__(self, root: Path, *, interval: float = 2.0, background: bool = False,
                 only: Collection[str] | None = None, snapshots: Snapshots | None = None,
                 limits: ReadLimits | None = None, stalled_after: float = STALLED_AFTER) -> None:
        self.root = Path(root)
        self.stalled_after = max(stalled_after, 10 * interval)
        self.only = only  # load just these sections (a push worker needs no FAQ index)
        self.interval = interval
        self.background = background
        self.limits = limits
        self.snapshots = snapshots  # read at a start with broken files; written after each full validation
        self._lock = threading.Lock()
        self._checked = time.monotonic()
        self.last_error: KnowledgeError | None = None  # why the folder does not load now (details: log, CLI)
        self.source = "folder"  # or "snapshot": started from the last good copy because the folder has errors
        self._signature = self._look()
        self._knowledge = self._first_load()
        self._watch_pid: int | None = None
        self._stop = threading.Event()
        if background:
            _WATCHED.add(self)
            self._start_watcher()

    @classmethod
    def for_config(cls, config: Config, *, background: bool = False,
                   only: Collection[str] | None = None) -> KnowledgeHolder:
        """The holder a process of this configuration uses: its folder, snapshot, caps and reload interval."""
        return cls(config.knowledge_dir, interval=config.reload_interval / 2 if background else config.reload_interval,
                   background=background, only=only, snapshots=Snapshots(config.data_dir / SNAPSHOT_FOLDER),
                   limits=config.knowledge_limits)

    # -- what callers read ------------------------------------------------------------------------------------
    @property
    def current(self) -> Knowledge:
        """The knowledge to answer with now (never waits for a load in background mode)."""
        if self.background:
            if self._watch_pid != os.getpid():  # a forked child whose fork hook did not run
                self._start_watcher()
        elif time.monotonic() - self._checked >= self.interval:
            self.reload_if_changed()
        return self._knowledge

    @property
    def version(self) -> str:
        """The version served now, without looking at the folder."""
        return self._knowledge.version

    def health(self) -> dict[str, str]:
        """Status words for /healthz (public: no file names, no problem texts)."""
        if self.last_error is not None:
            return {"knowledge": "stale", "knowledge_reason": "files_invalid", "knowledge_source": self.source}
        if self.background and time.monotonic() - self._checked > self.stalled_after:
            return {"knowledge": "stale", "knowledge_reason": "watcher_stalled", "knowledge_source": self.source}
        return {}

    @property
    def problems(self) -> list[Problem]:
        """The errors that keep the folder from loading now (empty when it loads)."""
        return list(self.last_error.problems) if self.last_error is not None else []

    def close(self) -> None:
        """Stop the watcher thread."""
        self._stop.set()

    # -- loading ----------------------------------------------------------------------------------------------
    def _look(self) -> tuple:
        with reading_with(self.limits):
            return _stat_signature(self.root)

    def _load(self) -> Knowledge:
        with reading_with(self.limits):
            knowledge = load_knowledge(self.root, only=self.only, limits=self.limits)
            # Only a full validation may become the last good snapshot (a push worker checks two sections).
            if self.snapshots is not None and self.only is None:
                try:
                    self.snapshots.save(self.root, knowledge.version)
                except OSError as exc:  # a full or read-only disk must not stop the reload
                    log.warning("knowledge snapshot not saved (%s); serving version %s", exc, knowledge.version)
        return knowledge

    def _first_load(self) -> Knowledge:
        """The folder, or else the last good snapshot; KnowledgeError when neither loads (a first start)."""
        try:
            return self._load()
        except KnowledgeError as exc:
            saved = self.snapshots.latest() if self.snapshots is not None else None
            refusal = KnowledgeError(exc.problems, headline=f"the knowledge folder {self.root} has errors and there "
                                                            "is no last good copy of it to serve yet; fix them "
                                                            "first (bot kb check lists them)")
            if saved is None:
                raise refusal from None
            try:
                knowledge = load_knowledge(saved[1], only=self.only, limits=self.limits)
            except KnowledgeError:
                log.error("the last good knowledge snapshot %s does not load either", saved[0])
                raise refusal from None
            self.last_error, self.source = exc, "snapshot"
            log.error("knowledge folder %s has errors; serving the last good snapshot (version %s) until they are "
                      "fixed:\n%s", self.root, knowledge.version, exc)
            return knowledge

    def reload_if_changed(self) -> bool:
        """Reload when any file changed; True when a new version went live."""
        if not self._lock.acquire(blocking=False):
            return False  # another thread is already loading; keep serving
        try:
            self._checked = time.monotonic()
            try:
                signature = self._look()
            except OSError as exc:  # the folder itself vanished (a deploy swapping it): look again next time
                log.info("knowledge folder not readable (%s); keeping version %s", exc, self._knowledge.version)
                return False
            if signature == self._signature:
                return False
            self._signature = signature
            try:
                fresh = self._load()
            except KnowledgeError as exc:
                self.last_error = exc
                log.error("knowledge not reloaded, still serving version %s:\n%s", self._knowledge.version, exc)
                return False
            except Exception:
                log.exception("knowledge not reloaded, still serving version %s", self._knowledge.version)
                return False
            self.last_error, self.source = None, "folder"
            old, self._knowledge = self._knowledge.version, fresh
            if old != fresh.version:
                log.info("knowledge reloaded: %s -> %s", old, fresh.version)
            return True
        finally:
            self._checked = time.monotonic()
            self._lock.release()

    # -- the watcher thread -----------------------------------------------------------------------------------
    def _start_watcher(self) -> None:
        self._watch_pid = os.getpid()
        self._checked = time.monotonic()
        thread = threading.Thread(target=_watch, args=(weakref.ref(self), self._stop, self.interval),
                                  name="knowledge-watch", daemon=True)
        thread.start()


def _watch(ref: weakref.ref, stop: threading.Event, interval: float) -> None:
    """Look at the folder every `interval` seconds until the holder is closed or gone (a weak reference, so a
    holder nobody uses is not kept alive by its own thread)."""
    pid = os.getpid()
    while not stop.wait(interval):
        holder = ref()
        if holder is None or holder._watch_pid != pid:
            return
        try:
            holder.reload_if_changed()
        except Exception:  # the watcher must outlive any surprise; the next look tries again
            log.exception("knowledge watcher failed; trying again")
        del holder


# Fork safety: hold every watched holder's lock across a fork, so a child never inherits a load half done (its
# locks held by a thread that does not exist in the child), then start a fresh watcher in the child. A load stuck
# longer than STALLED_AFTER does not hold the fork up: the child gets a fresh lock instead.
_WATCHED: weakref.WeakSet[KnowledgeHolder] = weakref.WeakSet()
_HELD: list[tuple[KnowledgeHolder, bool]] = []


def _before_fork() -> None:
    for holder in list(_WATCHED):
        _HELD.append((holder, holder._lock.acquire(timeout=STALLED_AFTER)))


def _after_fork_in_parent() -> None:
    while _HELD:
        holder, acquired = _HELD.pop()
        if acquired:
            holder._lock.release()


def _after_fork_in_child() -> None:
    while _HELD:
        holder, acquired = _HELD.pop()
        if acquired:
            holder._lock.release()
        else:
            holder._lock = threading.Lock()
        if not holder._stop.is_set():
            holder._start_watcher()


os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_after_fork_in_child)
