"""Saving a staff change to knowledge/: validated on a copy exactly like `bot kb check`, then written atomically,
only inside the folder's faq/, one change at a time; the audit record and, when the folder is its own git
repository, a commit with the staff member as author."""
from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.infra.knowledge_limits import ReadLimits
from bot.infra.store import Store
from bot.knowledge import Problem
from bot.knowledge.files import replace_text
from bot.knowledge.loader import check_knowledge

log = logging.getLogger(__name__)
AUDIT_MAX = 10_000
LOCK_FILE = "console-edit.lock"


class EditRefused(Exception):
    """The change was not saved: the errors it would have caused (file:line), or a sentence why."""

    def __init__(self, reason: str, problems: list[Problem] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.problems = problems or []


@dataclass(frozen=True)
class FileChange:
    """New text for one FAQ file, and the text it was made from (to notice someone else's edit meanwhile)."""

    path: Path
    before: str
    after: str


@dataclass
class Saved:
    """What a saved change did."""

    files: list[str]
    warnings: list[Problem] = field(default_factory=list)
    commit: str = ""


def faq_path(root: Path, rel: str) -> Path:
    """The FAQ file a problem or an entry names ('knowledge/faq/jet.yaml' or 'faq/jet.yaml'), refused unless it
    is a .yaml file directly inside root/faq (no '..', no link leading out)."""
    parts = Path(rel).parts
    if parts and parts[0] == root.name and len(parts) > 1 and parts[1] == "faq":
        parts = parts[1:]
    name = Path(*parts) if parts else Path()
    if len(name.parts) != 2 or name.parts[0] != "faq" or name.suffix not in (".yaml", ".yml") \
            or name.name.startswith(".") or ".." in name.parts:
        raise EditRefused(f"只能修改 {root.name}/faq/ 里的 .yaml 文件，不能写 {rel}")
    path = root / name
    top = os.path.realpath(root / "faq")
    if os.path.commonpath([os.path.realpath(path), top]) != top or (path.exists() and not path.is_file()):
        raise EditRefused(f"{rel} 不是 {root.name}/faq/ 里的普通文件")
    return path


class KnowledgeEditor:
    """Writes validated changes into one knowledge folder."""

    def __init__(self, root: Path, *, data_dir: Path, store: Store, limits: ReadLimits | None = None) -> None:
        self.root = Path(root)
        self.data_dir = Path(data_dir)
        self.store = store
        self.limits = limits

    def read(self, path: Path) -> str:
        return path.read_text(encoding="utf-8") if path.exists() else ""

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """One change at a time across the processes sharing the data dir."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.data_dir / LOCK_FILE, "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def save(self, changes: list[FileChange], *, who: str, what: str, details: dict) -> Saved:
        """Validate the folder with the changes, write them, record who did what; EditRefused when invalid."""
        with self.locked():
            for change in changes:
                faq_path(self.root, str(change.path.relative_to(self.root)))
                if self.read(change.path) != change.before:
                    raise EditRefused(f"{self.rel(change.path)} 刚被别人修改过：请刷新页面后再做一次")
            problems = self.check_with(changes)
            errors = [p for p in problems if p.severity == "error"]
            if errors:
                raise EditRefused("修改没有保存：改了以后知识库检查不通过", errors)
            for change in changes:
                replace_text(change.path, change.after, new_mode=0o644)
            files = [self.rel(c.path) for c in changes]
            saved = Saved(files=files, warnings=[p for p in problems if p.file in files])
            saved.commit = self.commit(files, who=who, message=what)
            self.audit(who=who, what=what, files=files, details=details, commit=saved.commit)
        return saved

    def rel(self, path: Path) -> str:
        return f"{self.root.name}/{path.relative_to(self.root).as_posix()}"

    def check_with(self, changes: list[FileChange]) -> list[Problem]:
        """`bot kb check` of a copy of the folder with the changes made (messages name the real files)."""
        with tempfile.TemporaryDirectory(prefix="console-check-") as scratch:
            copy = Path(scratch) / self.root.name
            shutil.copytree(self.root, copy, symlinks=True, ignore=shutil.ignore_patterns(".*"))
            for change in changes:
                target = copy / change.path.relative_to(self.root)
                target.write_text(change.after, encoding="utf-8")
            _, problems = check_knowledge(copy, limits=self.limits)
        return problems

    def audit(self, *, who: str, what: str, files: list[str], details: dict, commit: str = "") -> None:
        fields = {"t": f"{time.time():.3f}", "who": who, "what": what, "files": ", ".join(files),
                  "details": json.dumps(details, ensure_ascii=False)[:4000], "commit": commit}
        self.store.redis.xadd(self.store.keys.console_audit, fields, maxlen=AUDIT_MAX, approximate=True)

    def commit(self, files: list[str], *, who: str, message: str) -> str:
        """A commit of the changed files when the knowledge folder is itself a git repository; its short hash."""
        if not (self.root / ".git").exists() or shutil.which("git") is None:
            return ""
        inside = [str(Path(f).relative_to(self.root.name)) for f in files]
        env = {**os.environ, "GIT_AUTHOR_NAME": who, "GIT_AUTHOR_EMAIL": f"{who}@console.invalid",
               "GIT_COMMITTER_NAME": "clairbot console", "GIT_COMMITTER_EMAIL": "console@console.invalid"}
        try:
            subprocess.run(["git", "-C", str(self.root), "add", "--", *inside], check=True, env=env,
                           capture_output=True, timeout=30)
            subprocess.run(["git", "-C", str(self.root), "commit", "-q", "-m", message, "--", *inside], check=True,
                           env=env, capture_output=True, timeout=30)
            done = subprocess.run(["git", "-C", str(self.root), "rev-parse", "--short", "HEAD"], check=True,
                                  env=env, capture_output=True, text=True, timeout=30)
        except (subprocess.SubprocessError, OSError) as exc:
            log.warning("knowledge saved but not committed: %s", exc)
            return ""
        return done.stdout.strip()


def read_audit(store: Store, *, count: int = 200) -> list[dict]:
    """The latest console changes, newest first."""
    rows = []
    for _, fields in store.redis.xrevrange(store.keys.console_audit, count=count):
        row = {k.decode(): v.decode("utf-8", "replace") for k, v in fields.items()}
        try:
            row["details"] = json.loads(row.get("details") or "{}")
        except ValueError:
            row["details"] = {}
        rows.append(row)
    return rows
