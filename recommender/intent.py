"""What a chat message asks for: a validated structure, never free text.

Both Chat2Tag paths (local and LLM) produce an `Intent`; `IntentValidator` is the
gate every answer passes through, so a tag outside the vocabulary, an unknown
genre or an artist the catalog lacks can never reach the recommender.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
from pydantic import BaseModel, Field, field_validator

from recommender.occasions import TITLES
from recommender.sound import TARGET_KEYS as SOUND_KEYS
from recommender.tagging import decade_years, normalise_tag
from recommender.types import Filters, WeightedTag
from recommender.vocabulary import Vocabulary

MAX_TAGS = 5
MAX_TRACKS = 50
NEAREST_TAG_MIN_SIMILARITY = 0.75  # an off-vocabulary tag maps to its nearest tag only when that is close


class IntentTag(BaseModel):
    tag: str = Field(max_length=60)
    weight: float = Field(default=1.0, ge=0.0, le=1.0)


class Intent(BaseModel):
    """A message, understood. `music=False` means small talk: answer it, don't make a playlist."""

    music: bool = True
    tags: list[IntentTag] = Field(default_factory=list, max_length=MAX_TAGS)
    genres: list[str] = Field(default_factory=list, description="genres wanted exclusively ('only k-pop')")
    exclude_genres: list[str] = Field(default_factory=list, description="genres ruled out ('no rap')")
    missing_genres: list[str] = Field(default_factory=list, description="genres asked for that the catalog lacks")
    nearest_genres: list[str] = Field(default_factory=list,
                                      description="genres the catalog holds nearest the missing ones ('dream pop')")
    artists: list[str] = Field(default_factory=list, description="artists wanted exclusively ('songs by Queen')")
    like_artists: list[str] = Field(default_factory=list, description="artists to sound like ('like Radiohead')")
    like_tracks: list[str] = Field(default_factory=list,
                                   description="catalog songs to sound like ('like Blinding Lights'), by track id; "
                                               "their artists are among like_artists")
    missing_artists: list[str] = Field(default_factory=list,
                                       description="artists asked for whose songs the catalog lacks (also like_artists)")
    exclude_artists: list[str] = Field(default_factory=list, description="artists ruled out ('no Drake')")
    era: str | None = Field(default=None, description="a decade such as '90s', or one year such as '2019'")
    occasions: list[str] = Field(default_factory=list, description="occasions the songs are about ('christmas')")
    exclude_occasions: list[str] = Field(default_factory=list, description="occasions ruled out ('no christmas')")
    count: int | None = Field(default=None, ge=1, le=MAX_TRACKS, description="how many tracks were asked for")
    language: str | None = Field(default=None, description="language of the music asked for ('korean')")
    lang: str = Field(default="en", description="ISO 639-1 code of the message's own language")
    note: str = Field(default="", description="what the bot should tell the user about how it understood them")
    sound: dict[str, float] = Field(default_factory=dict,
                                    description="target per audio dimension in [0, 1] (tempo as BPM / 200)")
    moments: list[str] = Field(default_factory=list, description="the moods and moments the sound target comes from")
    shifts: list[str] = Field(default_factory=list, description="how a comparative moved it ('brighter', 'calmer')")
    query: str = Field(default="", max_length=300,
                       description="the message's own words, names and ruled-out words removed (for text retrieval)")

    @field_validator("sound", mode="before")
    @classmethod
    def _known_dimensions(cls, value: object) -> object:
        if not isinstance(value, dict):
            return {}
        return {k: min(max(float(v), 0.0), 1.0) for k, v in value.items()
                if k in SOUND_KEYS and isinstance(v, (int, float)) and not isinstance(v, bool)}

    @field_validator("count", mode="before")
    @classmethod
    def _clamp_count(cls, value: object) -> object:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return int(min(max(value, 1), MAX_TRACKS))
        return value

    @property
    def weighted_tags(self) -> list[WeightedTag]:
        return [WeightedTag(t.tag, t.weight) for t in self.tags]

    def without_songless_artists(self, has_tracks: Callable[[str], bool]) -> Intent:
        """"Songs by Air" with no song of Air's here: music like theirs (their listeners' taste), said so, instead
        of a filter nothing passes."""
        missing = [a for a in self.artists if not has_tracks(a)]
        if not missing:
            return self
        return self.model_copy(update={"artists": [a for a in self.artists if a not in missing],
                                       "missing_artists": missing,
                                       "like_artists": list(dict.fromkeys(self.like_artists + missing))})

    def filters(self) -> Filters:
        # A named language ("korean songs") filters like a genre: both are tags on the tracks. One the catalog
        # has little or none of filters nothing, unless it has genres near it: then those, and its few tracks.
        genres = set(self.genres + ([self.language] if self.language else [])) - set(self.missing_genres)
        if self.nearest_genres:
            genres |= {*self.nearest_genres, *self.missing_genres}
        return Filters(
            genres=frozenset(genres),
            artists=frozenset(self.artists),
            exclude_genres=frozenset(self.exclude_genres), exclude_artists=frozenset(self.exclude_artists),
            eras=frozenset([self.era] if self.era else []),
            occasions=frozenset(self.occasions), exclude_occasions=frozenset(self.exclude_occasions),
        )


class IntentValidator:
    """Maps whatever a parser (or an LLM) produced onto the catalog, dropping what does not fit."""

    def __init__(self, vocab: Vocabulary, encode: Callable[[list[str]], np.ndarray],
                 find_artist: Callable[[str], tuple[str, str] | None], named_genres: Iterable[str],
                 has_tracks: Callable[[str], bool]) -> None:
        self.vocab = vocab
        self.encode = encode
        self.find_artist = find_artist
        self.has_tracks = has_tracks
        self.named_genres = frozenset(named_genres)
        self._category = dict(zip(vocab.tags, vocab.categories))

    def tag(self, raw: str) -> str | None:
        """A vocabulary tag for `raw`: itself, its canonical spelling, or its nearest close neighbour."""
        tag = normalise_tag(raw)[:60]
        if not tag:
            return None
        if self.vocab.column(tag) is not None:
            return self.vocab.tags[self.vocab.column(tag)]  # type: ignore[index]
        sims = self.vocab.embeddings @ self.encode([tag])[0]
        best = int(np.argmax(sims))
        return self.vocab.tags[best] if sims[best] >= NEAREST_TAG_MIN_SIMILARITY else None

    def _genres(self, raw: Iterable[str]) -> list[str]:
        out = []
        for g in raw:
            tag = normalise_tag(g)
            if tag in self.named_genres and tag not in out:
                out.append(tag)
        return out

    def _artists(self, raw: Iterable[str]) -> list[str]:
        out = []
        for name in list(raw)[:10]:
            hit = self.find_artist(name[:100])
            if hit is not None and hit[0] not in out:
                out.append(hit[0])
        return out

    def validate(self, intent: Intent) -> Intent:
        tags: dict[str, float] = {}
        for t in intent.tags:
            tag = self.tag(t.tag)
            if tag is not None:
                tags[tag] = max(tags.get(tag, 0.0), t.weight)
        era = intent.era and (intent.era if decade_years(intent.era) else normalise_tag(intent.era))
        language = normalise_tag(intent.language) if intent.language else None
        exclude_genres = self._genres(intent.exclude_genres)
        return intent.model_copy(update={
            "tags": [IntentTag(tag=t, weight=round(w, 3)) for t, w in list(tags.items())[:MAX_TAGS]],
            "genres": [g for g in self._genres(intent.genres) if g not in exclude_genres],
            "exclude_genres": exclude_genres,
            "artists": self._artists(intent.artists),
            "like_artists": self._artists(intent.like_artists),
            "exclude_artists": self._artists(intent.exclude_artists),
            "era": era if era and (decade_years(era) or self._category.get(era) == "era" and era[0].isdigit()) else None,
            "language": language if language and self._category.get(language) == "language" else None,
            "occasions": [o for o in intent.occasions if o in TITLES],
            "exclude_occasions": [o for o in intent.exclude_occasions if o in TITLES],
        }).without_songless_artists(self.has_tracks)
