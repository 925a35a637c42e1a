"""Embeddings of common English words, computed once and kept beside the catalog.

Chat2Tag embeds each content word of a message, and a word it has not met costs one encoder call (about
9 ms on 2 cores). The encoder's own WordPiece vocabulary holds some 21,000 whole English words; embedded
once (about 11 s) and loaded at start-up, they turn almost every never-seen message into table lookups.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np

from recommender.encoder import TextEncoder

log = logging.getLogger(__name__)

FILE = "word_vectors.npz"
_WORD = re.compile(r"[a-z]{3,}")


def common_words(encoder: TextEncoder) -> list[str]:
    """Whole words of the encoder's tokenizer vocabulary (none for an encoder without one)."""
    tokenizer = getattr(getattr(encoder, "_model", None), "tokenizer", None)
    vocab = tokenizer.get_vocab() if tokenizer is not None else {}
    return sorted(w for w in vocab if _WORD.fullmatch(w))


def build_word_vectors(encoder: TextEncoder, path: Path) -> int:
    words = common_words(encoder)
    if not words:
        return 0
    vectors = encoder.encode(words).astype(np.float16)  # half the memory; similarities move by < 1e-3
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, words=np.array(words), vectors=vectors, encoder=np.array(getattr(encoder, "name", "")))
    tmp.replace(path)
    return len(words)


def load_word_vectors(path: Path, encoder: TextEncoder) -> dict[str, np.ndarray]:
    """word -> float32 embedding; built first when missing or made by another encoder."""
    name = getattr(encoder, "name", "")
    saved = np.load(path, allow_pickle=False) if path.exists() else None
    if saved is None or str(saved["encoder"]) != name:
        log.info("embedding the common-word table for %s", name or "the encoder")
        if not build_word_vectors(encoder, path):
            return {}
        saved = np.load(path, allow_pickle=False)
    vectors = saved["vectors"].astype(np.float32)  # rows are views of one array: no copy per word
    return dict(zip(saved["words"].tolist(), vectors))
