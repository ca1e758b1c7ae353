"""The semantic signal: how near a message is in meaning to each entry's nearest phrasing (sentence encoder).

Built per knowledge version from the phrasing vectors (bot/matching/encoder.py, cached by content, so a reload
embeds only what changed). A message costs one encoding (about 1 ms) and one matrix-vector product.
"""
from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from bot.matching.encoder import DIMENSION, PhrasingVectors, embed


@dataclass(frozen=True)
class Outside:
    """The out-of-scope example nearest to a message: its cosine (-1: there are none) and text."""

    cosine: float
    text: str


@dataclass(frozen=True)
class SemanticIndex:
    """Phrasing vectors in entry order: `starts[k]` is the first row of the k-th entry that has phrasings."""

    vectors: np.ndarray  # (phrasings, DIMENSION), L2-normalised, grouped by entry
    entries: np.ndarray  # the entry of each segment
    starts: np.ndarray  # the first row of each segment
    n_entries: int
    outside: np.ndarray = field(default_factory=lambda: np.zeros((0, DIMENSION), dtype=np.float32))
    outside_texts: tuple[str, ...] = ()  # questions the bot does not answer (knowledge/out_of_scope.yaml)

    @classmethod
    def build(cls, texts: Sequence[str], owners: Sequence[int], n_entries: int,
              cache: PhrasingVectors, *, outside: Sequence[str] = ()) -> SemanticIndex:
        """The index of these phrasings (`owners[i]` is the entry of `texts[i]`, in non-decreasing order) and
        of the `outside` examples."""
        if any(b < a for a, b in itertools.pairwise(owners)):
            raise ValueError("phrasings must be grouped by entry")
        every = cache.vectors([*texts, *outside])  # one call: the cache file keeps what was asked last
        vectors, outside_vectors = every[:len(texts)], every[len(texts):]
        owner_array = np.asarray(owners, dtype=np.int64)
        starts = np.flatnonzero(np.r_[True, owner_array[1:] != owner_array[:-1]]) if len(owners) else np.zeros(0, int)
        return cls(vectors=vectors, entries=owner_array[starts] if len(owners) else np.zeros(0, int),
                   starts=starts, n_entries=n_entries, outside=outside_vectors, outside_texts=tuple(outside))

    def similarities(self, text: str, *, exclude: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Per entry the cosine of its nearest phrasing to the text (-1 for an entry without phrasings), and the
        cosine of every phrasing (for `nearest`). `exclude`: a phrasing (row) left out."""
        return self.compare(embed([text])[0], exclude=exclude)[:2]

    def compare(self, vector: np.ndarray, *, exclude: int | None = None) -> tuple[np.ndarray, np.ndarray, Outside]:
        """`similarities` of a message's vector, and its nearest out-of-scope example."""
        outside = Outside(-1.0, "")
        if len(self.outside):
            near = self.outside @ vector
            k = int(np.argmax(near))
            outside = Outside(float(near[k]), self.outside_texts[k])
        best = np.full(self.n_entries, -1.0, dtype=np.float32)
        if not len(self.starts):
            return best, np.zeros(0, dtype=np.float32), outside
        cosines = self.vectors @ vector
        if exclude is not None:  # a phrasing left out (calibration on the knowledge's own phrasings)
            cosines[exclude] = -1.0
        best[self.entries] = np.maximum.reduceat(cosines, self.starts)
        return best, cosines, outside

    def nearest(self, cosines: np.ndarray, entry: int) -> int:
        """The row of the entry's phrasing nearest to the text whose `cosines` these are (-1: it has none)."""
        k = int(np.searchsorted(self.entries, entry))
        if k >= len(self.entries) or self.entries[k] != entry:
            return -1
        end = int(self.starts[k + 1]) if k + 1 < len(self.starts) else len(cosines)
        return int(self.starts[k]) + int(np.argmax(cosines[int(self.starts[k]):end]))
