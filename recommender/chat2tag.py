"""Local Chat2Tag: a chat message to an `Intent`, with no key and no network.

Tags come from three kinds of evidence, strongest first: tags the message
names outright ("nostalgic"), cues for the moments people describe ("just got
dumped" -> breakup music), and sentence-embedding similarity between pieces of
the message and the vocabulary, weighted by tag category and nudged by the
message's emotion. Constraints (genres and artists to include or exclude, era,
count, language) are read with patterns and checked against the catalog.
Other languages go to a multilingual encoder; small talk gets no playlist.
"""

from __future__ import annotations

import asyncio
import re
from collections import OrderedDict

import numpy as np

from recommender.cues import MUSIC_WORDS, SMALL_TALK_COMPILED, cue_candidates, emoji_as_words
from recommender.emotion import PrototypeEmotionScorer
from recommender.encoder import TextEncoder
from recommender.index import CatalogIndex
from recommender.intent import MAX_TAGS, Intent, IntentTag
from recommender.language import LanguageDetector, MultilingualTagger
from recommender.lookup import CatalogLookup
from recommender.names import fold
from recommender.tagging import canonical_decade, decade_of_year, normalise_tag
from recommender.types import WeightedTag

MAX_CHARS = 500  # a mood is said in a sentence or two; the rest only slows the encoder
MIN_SIMILARITY = 0.55
CUE_WEIGHTS = (0.95, 0.85, 0.75, 0.65, 0.55)  # a cue's first candidate is its best fit
EMOTION_BOOST = 0.15
WORD_CACHE_SIZE = 50_000

# What people ask for weighs more than facts about the artist.
CATEGORY_PRIOR = {
    "mood": 1.0, "situation": 1.0, "season": 1.0, "time_of_day": 1.0,
    "genre": 0.85, "era": 0.9, "language": 0.85, "country": 0.7, "artist_info": 0.7,
}
# Tags that are also everyday words: naming them in passing is not asking for them.
_NOT_BY_NAME = frozenset(
    "time days girl boys light single solo personal interesting science books weather sick hot old classic epic "
    "legend teen foreign fast food heart gold new love loved friends smile war death magic pretty cute sweet "
    "perfection talented boring creep attitude sand transport cars political religion cops".split()
)
_STOP = frozenset(
    "a an the i im i'm me my we our you your it its is am are was be been feel feeling felt some something "
    "music song songs track tracks playlist play give want need like for to of in on at and or but with "
    "just really very so please can could would make get some any this that today now bit kind sort "
    "vibe vibes mood while when what got gonna wanna about have has had do does put let lets".split()
)
_SPLIT = re.compile(r"[,;.!?\n]+|\s+(?:and|but|while|with|for)\s+")
_COUNT = re.compile(
    r"\b(\d{1,3}|a dozen|dozen|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty|thirty|forty|fifty)"
    r"\s+(?:\w+\s+){0,2}?(?:songs|tracks|tunes|bangers|jams|pieces|records)\b")
_NUMBER_WORDS = {"a dozen": 12, "dozen": 12, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                 "seven": 7, "eight": 8, "nine": 9, "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30,
                 "forty": 40, "fifty": 50}
_DECADE = re.compile(r"\b((?:19|20)?\d0 ?'? ?s)\b")
_YEAR = re.compile(r"\b(19[4-9]\d|20[0-2]\d)\b")
_DECADE_WORDS = {"fifties": "50s", "sixties": "60s", "seventies": "70s", "eighties": "80s", "nineties": "90s",
                 "noughties": "00s", "two thousands": "00s"}
_LIKE = re.compile(
    r"\b(?:like|similar to|sounds? like|in the style of|fans? of|vibes? of|reminds? me of|the likes of)\s+"
    r"([^,.;!?]+?)(?=\s+(?:for|while|when|to|and|but|on|in|at|with|please|songs|tracks|music|vibes?)\b|[,.;!?]|$)")
_EXCLUDE_ARTIST = re.compile(
    r"\b(?:no|not|without|except|but not|anything but|nothing by|no more)\s+([^,.;!?]+?)"
    r"(?=\s+(?:for|while|when|and|but|please|songs|tracks|music)\b|[,.;!?]|$)")
_LANGUAGE_ALIASES = {"kpop": "k pop", "k pop": "k pop", "jpop": "j pop", "j pop": "j pop", "latino": "latin"}


class LocalChat2Tag:
    """The embedded default parser. `parse` is pure CPU work: call it off the event loop."""

    def __init__(self, index: CatalogIndex, lookup: CatalogLookup, encoder: TextEncoder,
                 detector: LanguageDetector | None = None, multilingual: MultilingualTagger | None = None) -> None:
        self.vocab = index.vocab
        self.lookup = lookup
        self.encoder = encoder
        self.detector = detector
        self.multilingual = multilingual
        self._prior = np.array([CATEGORY_PRIOR.get(c, 0.8) for c in self.vocab.categories], dtype=np.float32)
        self._emotion = PrototypeEmotionScorer(encoder)
        self._mood_side = np.array([c in ("mood", "situation") for c in self.vocab.categories])
        self._tag_emotion = index.tag_emotion
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()  # piece -> embedding (chat words repeat)
        self._cues_resolved: dict[tuple[str, ...], list[int]] = {}
        self.named_genres = lookup.named_genres()
        self._languages = {t: t for t, c in zip(self.vocab.tags, self.vocab.categories)
                           if c == "language" and len(t) > 2}

    # -- pieces and embeddings ------------------------------------------------
    def _embed(self, pieces: list[str]) -> np.ndarray:
        missing = [p for p in dict.fromkeys(pieces) if p not in self._cache]
        if missing:
            for piece, vector in zip(missing, self.encoder.encode(missing)):
                self._cache[piece] = vector
                if len(self._cache) > WORD_CACHE_SIZE:
                    self._cache.popitem(last=False)
        for p in pieces:
            self._cache.move_to_end(p)
        return np.stack([self._cache[p] for p in pieces])

    @staticmethod
    def pieces(folded: str) -> list[str]:
        chunks = [c.strip() for c in _SPLIT.split(folded) if c and c.strip()]
        chunks = [" ".join(w for w in c.split() if w not in _STOP) for c in chunks]
        words = [w for w in folded.split() if w not in _STOP and len(w) > 2 and not w.isdigit()]
        return list(dict.fromkeys(p for p in [*chunks, *words] if p))[:16]

    def exact(self, words: list[str], negated: set[int]) -> list[int]:
        """Vocabulary tags the message names outright (not negated, not everyday words)."""
        found: list[int] = []
        for n in (3, 2, 1):
            for i in range(len(words) - n + 1):
                if i in negated:
                    continue
                gram = " ".join(words[i: i + n])
                if n == 1 and (gram in _STOP or gram in _NOT_BY_NAME):
                    continue
                col = self.vocab.column(normalise_tag(gram))
                if col is not None and col not in found:
                    found.append(col)
        return found

    def _cue_columns(self, tags: tuple[str, ...]) -> list[int]:
        if tags not in self._cues_resolved:
            cols = [self.vocab.column(t) for t in tags]
            self._cues_resolved[tags] = [c for c in cols if c is not None]
        return self._cues_resolved[tags]

    # -- the parts of an intent -----------------------------------------------
    def tags(self, folded: str, blocked: set[int] = frozenset(), k: int = MAX_TAGS) -> list[IntentTag]:  # type: ignore[assignment]
        words = folded.split()
        negated = {i + 1 for i, w in enumerate(words) if w in ("no", "not", "without", "except")}
        best = np.zeros(len(self.vocab), dtype=np.float32)
        pieces = self.pieces(folded)
        if pieces:
            emb = self._embed(pieces)
            best = (emb @ self.vocab.embeddings.T).max(axis=0) * self._prior
            best[best < MIN_SIMILARITY] = 0.0
            # The message's emotion (Ekman six + neutral) favours mood tags that feel the same.
            centre = emb.mean(axis=0)
            feeling = self._emotion.from_embeddings((centre / (np.linalg.norm(centre) + 1e-9))[None, :])[0]
            if feeling[-1] < 0.5:
                agree = self._tag_emotion[:, :-1] @ feeling[:-1]
                best = np.where(self._mood_side & (best > 0), best + EMOTION_BOOST * agree, best)
        for _, candidates in cue_candidates(folded):
            for weight, col in zip(CUE_WEIGHTS, self._cue_columns(candidates)):
                best[col] = max(best[col], weight)
        for col in self.exact(words, negated):
            best[col] = max(best[col], 1.0)
        for col in blocked:
            best[col] = 0.0
        chosen: list[int] = []
        for col in np.argsort(-best):
            if best[col] <= 0 or len(chosen) == k:
                break
            # Skip near-synonyms of a tag already chosen: five tags should say five things.
            if any(float(self.vocab.embeddings[col] @ self.vocab.embeddings[c]) > 0.8 for c in chosen):
                continue
            chosen.append(int(col))
        return [IntentTag(tag=self.vocab.tags[c], weight=round(float(min(best[c], 1.0)), 3)) for c in chosen]

    @staticmethod
    def count(folded: str) -> int | None:
        match = _COUNT.search(folded)
        if not match:
            return None
        raw = match.group(1)
        return int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]

    @staticmethod
    def era(folded: str) -> str | None:
        for word, decade in _DECADE_WORDS.items():
            if word in folded:
                return decade
        for match in _DECADE.finditer(folded):
            decade = canonical_decade(match.group(1).replace(" ", "").replace("'", ""))
            if decade:
                return decade
        year = _YEAR.search(folded)
        return decade_of_year(int(year.group(1))) if year else None

    def language(self, folded: str) -> str | None:
        padded = f" {folded} "
        for alias, tag in _LANGUAGE_ALIASES.items():
            if f" {alias} " in padded and self.vocab.column(tag) is not None:
                return tag
        for tag in self._languages:
            if f" {tag} " in padded and not re.search(rf"\bnot? {re.escape(tag)}\b", folded):
                return tag
        return None

    def artists(self, lowered: str, pattern: re.Pattern[str]) -> list[str]:
        found: list[str] = []
        for match in pattern.finditer(lowered):
            name = match.group(1).strip()
            if not name or self.vocab.column(normalise_tag(name)) is not None:
                continue  # "like summer", "no rap": a tag, not an artist
            hit = self.lookup.find_artist(name)
            if hit is not None and hit[0] not in found:
                found.append(hit[0])
        return found

    @staticmethod
    def small_talk(folded: str) -> str | None:
        for pattern, kind in SMALL_TALK_COMPILED:
            if pattern.search(folded):
                return None if kind not in ("who", "what", "off_topic") and MUSIC_WORDS.search(folded) else kind
        return None

    # -- the whole message ----------------------------------------------------
    def parse(self, text: str) -> Intent:
        text = emoji_as_words(text[:MAX_CHARS])
        folded = fold(text)
        if not folded:
            return Intent(tags=[], note="")
        lang = self.detector.detect(text) if self.detector else "en"
        talk = self.small_talk(folded) if lang == "en" else None
        if talk is not None and not MUSIC_WORDS.search(folded.replace("what can you do", "")):
            return Intent(music=False, note=talk)
        filters = self.lookup.named_filters(text)
        lowered = text.lower()
        like = self.artists(lowered, _LIKE)
        exclude_artists = [a for a in self.artists(lowered, _EXCLUDE_ARTIST) if a not in like]
        language = self.language(folded)
        if lang != "en" and self.multilingual is not None:
            ranked = self.multilingual.rank(text)
            tags = [IntentTag(tag=t, weight=w) for t, w in ranked]
            note = "multilingual" if tags else "not_understood"
        else:
            blocked = {c for c in (self.vocab.column(g) for g in filters.exclude_genres) if c is not None}
            tags = self.tags(folded, blocked)
            note = ""
        return Intent(
            tags=tags,
            genres=sorted(filters.genres),
            exclude_genres=sorted(filters.exclude_genres),
            artists=sorted(filters.artists),
            like_artists=like,
            exclude_artists=exclude_artists,
            era=self.era(folded),
            count=self.count(folded),
            language=language,
            lang=lang,
            note=note,
        )

    async def understand(self, text: str) -> Intent:
        return await asyncio.to_thread(self.parse, text)  # CPU work, off the event loop

    def extract(self, text: str, k: int = MAX_TAGS) -> list[WeightedTag]:
        """Tags only (the text→playlist evaluation's query)."""
        return [WeightedTag(t.tag, t.weight) for t in self.tags(fold(emoji_as_words(text[:MAX_CHARS])), k=k)]
