"""The tag vocabulary: the tags Chat2Tag may pick and the models use (the
original report's Candidate_Keywords), each with a category, counts and aliases."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from recommender.encoder import TextEncoder
from recommender.tagging import CATEGORIES, CATEGORY_SEEDS, canonical_decade

_ERA_WORDS = re.compile(r"^(oldies|classic|retro|vintage|old school)$")


@dataclass
class Vocabulary:
    tags: list[str]
    categories: list[str]
    counts: list[int]
    aliases: list[list[str]]
    embeddings: np.ndarray  # (n_tags, dim), L2-normalised

    def __post_init__(self) -> None:
        self.position = {t: i for i, t in enumerate(self.tags)}

    def __len__(self) -> int:
        return len(self.tags)

    def records(self) -> list[dict[str, object]]:
        return [
            {"tag": t, "category": c, "count": n, "aliases": a}
            for t, c, n, a in zip(self.tags, self.categories, self.counts, self.aliases)
        ]


def categorise(tags: list[str], embeddings: np.ndarray, encoder: TextEncoder) -> list[str]:
    """Nearest seed centroid per tag; decades are eras by rule, seeds keep their own label."""
    seed_of = {seed: cat for cat, seeds in CATEGORY_SEEDS.items() for seed in seeds}
    centroids = []
    for cat in CATEGORIES:
        vecs = encoder.encode(list(CATEGORY_SEEDS[cat]))
        centroid = vecs.mean(axis=0)
        centroids.append(centroid / np.linalg.norm(centroid))
    nearest = np.argmax(embeddings @ np.stack(centroids).T, axis=1) if len(tags) else []
    out = []
    for tag, idx in zip(tags, nearest):
        if canonical_decade(tag) or _ERA_WORDS.match(tag):
            out.append("era")
        else:
            out.append(seed_of.get(tag, CATEGORIES[int(idx)]))
    return out


def build_vocabulary(exposure: Counter[str], encoder: TextEncoder, min_exposure: int = 5) -> Vocabulary:
    kept = sorted((t for t, n in exposure.items() if n >= min_exposure), key=lambda t: (-exposure[t], t))
    embeddings = encoder.encode(kept)
    categories = categorise(kept, embeddings, encoder)
    return Vocabulary(
        tags=kept,
        categories=categories,
        counts=[int(exposure[t]) for t in kept],
        aliases=[[] for _ in kept],
        embeddings=embeddings,
    )
