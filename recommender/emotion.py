"""Tag emotion embedding: Ekman's six basic emotions plus neutral.

No packaged emotion classifier ships offline, so emotions are scored with the
sentence encoder against short prototype phrases per emotion. Anything with the
same `scores` method (say, a hub-backed transformer classifier such as the
original service's michellejieli/emotion_text_classifier) can replace it.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from recommender.encoder import TextEncoder

EMOTIONS: tuple[str, ...] = ("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral")

PROTOTYPES: dict[str, tuple[str, ...]] = {
    "anger": ("angry", "rage", "furious", "aggressive", "hate", "scream", "fury"),
    "disgust": ("disgusting", "gross", "sick of it", "repulsive", "nasty"),
    "fear": ("scary", "fear", "horror", "dark and creepy", "anxious", "haunting"),
    "joy": ("happy", "joyful", "fun", "uplifting", "cheerful", "celebration", "love"),
    "sadness": ("sad", "heartbreak", "melancholy", "lonely", "crying", "depressing", "grief"),
    "surprise": ("surprising", "unexpected", "amazed", "wow", "shocking"),
    "neutral": ("music", "song", "instrumental", "background", "genre", "plain"),
}
TEMPERATURE = 0.05  # cosine similarities sit in a narrow band; sharpen them into a distribution


class EmotionScorer(Protocol):
    labels: tuple[str, ...]

    def scores(self, texts: list[str]) -> np.ndarray:
        """(len(texts), len(labels)) probabilities, each row summing to 1."""
        ...


class PrototypeEmotionScorer:
    labels = EMOTIONS

    def __init__(self, encoder: TextEncoder) -> None:
        self.encoder = encoder
        centroids = []
        for emotion in EMOTIONS:
            c = encoder.encode(list(PROTOTYPES[emotion])).mean(axis=0)
            centroids.append(c / np.linalg.norm(c))
        self._centroids = np.stack(centroids)

    def from_embeddings(self, embeddings: np.ndarray) -> np.ndarray:
        logits = embeddings @ self._centroids.T / TEMPERATURE
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return (p / p.sum(axis=1, keepdims=True)).astype(np.float32)

    def scores(self, texts: list[str]) -> np.ndarray:
        return self.from_embeddings(self.encoder.encode(texts))
