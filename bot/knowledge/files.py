"""Reading the knowledge folder safely: regular files only (never a pipe, socket, device or a link leaving the
folder, which could block a read forever), each under a size cap. Every file the loader reads comes through here."""
from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.knowledge.limits import active_limits
from bot.knowledge.problems import Problem

SKIPPED = ("skipped: not a regular file (a pipe, socket or device, or a link to one or to outside the knowledge "
           "folder) (已跳过：不是普通文件)")
NOT_UTF8 = "the file is not saved as UTF-8 (请用 UTF-8 编码保存)"


def relative(root: Path, path: Path) -> str:
    """How messages name a file: `knowledge/faq/jet.yaml`."""
    try:
        return f"{root.name}/{path.relative_to(root).as_posix()}"
    except ValueError:
        return str(path)


def regular_stat(path: Path, root: Path) -> os.stat_result | None:
    """The stat of `path` when it is a regular file inside `root` (a link is followed only if it stays inside)."""
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            real, top = os.path.realpath(path), os.path.realpath(root)
            if os.path.commonpath([real, top]) != top:
                return None
            st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st if stat.S_ISREG(st.st_mode) else None


@dataclass(frozen=True)
class Listing:
    """The files of a knowledge folder: the regular ones (sorted) and those skipped as not regular."""

    files: tuple[Path, ...]
    skipped: tuple[Path, ...]
    stats: tuple[tuple[str, int, int], ...]  # (relative path, mtime_ns, size) of each regular file


def list_folder(root: Path) -> Listing:
    """Walk `root` without following links to folders; dot files and dot folders (editor swap files) are left out."""
    files: list[tuple[Path, os.stat_result]] = []
    skipped: list[Path] = []
    for folder, dirs, names in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.startswith("."):
                continue
            path = Path(folder) / name
            st = regular_stat(path, root)
            if st is None:
                skipped.append(path)
            else:
                files.append((path, st))
        for name in dirs:  # os.walk lists a link to a folder as a folder but does not enter it
            if os.path.islink(os.path.join(folder, name)):
                skipped.append(Path(folder) / name)
    files.sort(key=lambda item: str(item[0]))
    return Listing(files=tuple(p for p, _ in files), skipped=tuple(sorted(skipped)),
                   stats=tuple((relative(root, p), st.st_mtime_ns, st.st_size) for p, st in files))


def skipped_problems(root: Path, listing: Listing) -> list[Problem]:
    """A warning naming each file the loader will not read."""
    return [Problem(relative(root, path), 1, SKIPPED, "warning") for path in listing.skipped]


def read_bytes(root: Path, path: Path, *, max_bytes: int | None = None) -> tuple[bytes | None, list[Problem]]:
    """The content of one regular file under the size cap, or why not (never blocks on a pipe or device)."""
    rel = relative(root, path)
    limit = max_bytes if max_bytes is not None else active_limits().max_file_bytes
    if regular_stat(path, root) is None:
        return None, [Problem(rel, 1, SKIPPED, "warning")]
    try:
        # O_NONBLOCK: if the file was swapped for a pipe after the check above, open returns at once (fstat sees it)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        return None, [Problem(rel, 1, f"cannot read the file: {exc.strerror or exc} (无法读取)")]
    with os.fdopen(fd, "rb") as handle:
        st = os.fstat(handle.fileno())
        if not stat.S_ISREG(st.st_mode):
            return None, [Problem(rel, 1, SKIPPED, "warning")]
        if st.st_size > limit:
            return None, [too_large(rel, st.st_size, limit)]
        data = handle.read(limit + 1)
    if len(data) > limit:  # grew after the stat
        return None, [too_large(rel, len(data), limit)]
    return data, []


def read_text(root: Path, path: Path) -> tuple[str | None, list[Problem]]:
    """One file as UTF-8 text (a BOM is dropped), or the problems that stopped it."""
    data, problems = read_bytes(root, path)
    if data is None:
        return None, problems
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        return None, [Problem(relative(root, path), 1, NOT_UTF8)]


def too_large(rel: str, size: int, limit: int) -> Problem:
    """The problem for a file over the size cap."""
    return Problem(rel, 1, f"the file is {size:,} bytes, more than the {limit:,} a knowledge file may have: split it "
                           "into smaller files (文件太大，请拆分成几个文件)")


def fingerprint(root: Path, listing: Listing | None = None) -> str:
    """A short hash of the regular files' names and contents: the knowledge version. A file over the size cap is
    not part of it (the loader refuses it, and a snapshot does not copy it)."""
    listing = listing or list_folder(root)
    digest = hashlib.sha256()
    for path in listing.files:
        data, _ = read_bytes(root, path)
        if data is not None:
            digest.update(relative(root, path).encode() + b"\0" + data + b"\0")
    return digest.hexdigest()[:12]


def fsync_folder(folder: Path) -> None:
    """Make a rename inside `folder` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_text(path: Path, text: str, *, new_mode: int | None = None) -> None:
    """Write a small file atomically: a temporary file in the same folder, synced, renamed over it, the folder
    synced. A reader sees the old file or the new one. An existing file keeps its mode; a new one gets `new_mode`
    (None: owner only)."""
    mode = path.stat().st_mode & 0o777 if path.exists() else new_mode
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_folder(path.parent)
