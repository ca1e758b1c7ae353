"""The last knowledge that validated, kept under the data dir so a restart with broken files still has a bot.

Layout: `<data_dir>/knowledge-snapshot/<version>/<folder name>/…` (a copy of the folder's regular files) and
`LAST_GOOD`, which names the version. A copy is written in a temporary folder and renamed into place, and
`LAST_GOOD` is replaced atomically, so a crash leaves the previous snapshot whole. Processes sharing the data dir
(gunicorn workers) take turns through a file lock.
"""
from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bot.knowledge.files import fingerprint, fsync_folder, list_folder, read_bytes, replace_text

log = logging.getLogger(__name__)

POINTER = "LAST_GOOD"


class Snapshots:
    """The snapshot folder of one data dir."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def latest(self) -> tuple[str, Path] | None:
        """(version, knowledge folder) of the last good snapshot, or None when there is none."""
        try:
            version = (self.folder / POINTER).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        base = self.folder / version
        if not version.isalnum() or not base.is_dir():
            return None
        inner = [p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")]
        return (version, inner[0]) if len(inner) == 1 else None

    def save(self, root: Path, version: str) -> bool:
        """Copy `root` (which validated as `version`) as the last good snapshot; False when left as it was
        (already saved, or the folder changed since it validated)."""
        latest = self.latest()
        if latest is not None and latest[0] == version:
            return False
        self.folder.mkdir(parents=True, exist_ok=True)
        with self._locked():
            latest = self.latest()
            if latest is not None and latest[0] == version:
                return False  # another process saved it meanwhile
            # Another process may have saved a newer version after this one validated: never go back to an older one.
            if fingerprint(root) != version:
                return False
            target = self.folder / version
            if not target.is_dir():
                staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.folder))
                try:
                    copied = _copy(root, staging / root.name)
                    if fingerprint(copied) != version:  # edited during the copy: the next reload saves it
                        return False
                    _fsync_dir(staging)
                    os.rename(staging, target)
                    fsync_folder(self.folder)
                finally:
                    shutil.rmtree(staging, ignore_errors=True)
            replace_text(self.folder / POINTER, version + "\n")
            self._prune(keep=version)
        log.info("knowledge snapshot saved: version %s", version)
        return True

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self.folder / ".lock", "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _prune(self, *, keep: str) -> None:
        """Remove older versions and temporary folders left by a crash (the lock is held: nobody is copying)."""
        for path in self.folder.iterdir():
            if path.is_dir() and path.name != keep:
                shutil.rmtree(path, ignore_errors=True)
            elif path.name.startswith(".tmp-"):
                path.unlink(missing_ok=True)


def _copy(root: Path, target: Path) -> Path:
    """Copy the regular files of `root` (those the fingerprint covers) to `target`, then sync them to disk."""
    target.mkdir(parents=True)
    written = []
    for path in list_folder(root).files:
        data, _ = read_bytes(root, path)
        if data is None:
            continue
        out = target / path.relative_to(root)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        written.append(out)
    for out in written:  # after all the writes: the first sync flushes them together, the others find little left
        fd = os.open(out, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    return target


def _fsync_dir(path: Path) -> None:
    """Sync every folder of a copy, so its file names survive a crash as well as the contents."""
    for folder, _, _ in os.walk(path):
        fsync_folder(Path(folder))
