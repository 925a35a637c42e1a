"""Local Chat2Tag: a chat message to a handful of vocabulary tags, with no key
and no network. Words and phrases that are tags count fully; the rest is
matched by sentence-embedding similarity, piece by piece, so "rainy sunday
morning, feeling nostalgic" yields rain, morning and nostalgic rather than one
blurred average."""

from __future__ import annotations

import re

import numpy as np

from recommender.encoder import TextEncoder
from recommender.names import fold
from recommender.tagging import normalise_tag
from recommender.types import WeightedTag
from recommender.vocabulary import Vocabulary

MAX_TAGS = 5
MIN_SIMILARITY = 0.5
MAX_CHARS = 500  # a mood is said in a sentence or two; the rest only slows the encoder

# What people ask for weighs more than facts about the artist.
CATEGORY_PRIOR = {
    "mood": 1.0, "situation": 1.0, "season": 1.0, "time_of_day": 1.0,
    "genre": 0.95, "era": 0.95, "language": 0.85, "country": 0.8, "artist_info": 0.75,
}

_STOP = frozenset(
    "a an the i im i'm me my we our you your it its is am are was be been feel feeling felt some something "
    "music song songs track tracks playlist play give want need like for to of in on at and or but with "
    "just really very so please can could would make get some any this that today now bit kind sort".split()
)
_SPLIT = re.compile(r"[,;.!?\n]+|\s+(?:and|but|while|with)\s+")


class LocalTagger:
    def __init__(self, vocab: Vocabulary, encoder: TextEncoder) -> None:
        self.vocab = vocab
        self.encoder = encoder
        self._prior = np.array([CATEGORY_PRIOR.get(c, 0.8) for c in vocab.categories], dtype=np.float32)

    def pieces(self, text: str) -> list[str]:
        chunks = [c.strip() for c in _SPLIT.split(text.lower()) if c and c.strip()]
        words = [w for w in fold(text).split() if w not in _STOP and len(w) > 2]
        return list(dict.fromkeys([text.lower(), *chunks, *words]))[:24]

    def exact(self, text: str) -> list[int]:
        words = fold(text).split()
        found: list[int] = []
        for n in (3, 2, 1):
            for i in range(len(words) - n + 1):
                gram = " ".join(words[i : i + n])
                if n == 1 and gram in _STOP:
                    continue
                col = self.vocab.column(normalise_tag(gram))
                if col is not None and col not in found:
                    found.append(col)
        return found

    def extract(self, text: str, k: int = MAX_TAGS) -> list[WeightedTag]:
        text = text[:MAX_CHARS]
        if not re.search(r"\w", text):
            return []
        pieces = self.pieces(text)
        sims = self.encoder.encode(pieces) @ self.vocab.embeddings.T  # (pieces, tags)
        best = sims.max(axis=0) * self._prior
        for col in self.exact(text):
            best[col] = max(best[col], 1.0)
        chosen: list[int] = []
        for col in np.argsort(-best):
            if best[col] < MIN_SIMILARITY or len(chosen) == k:
                break
            # Skip near-synonyms of a tag already chosen: five tags should say five things.
            if any(float(self.vocab.embeddings[col] @ self.vocab.embeddings[c]) > 0.85 for c in chosen):
                continue
            chosen.append(int(col))
        return [WeightedTag(self.vocab.tags[c], round(float(min(best[c], 1.0)), 3)) for c in chosen]
