"""Plain data passed between the bot core and the recommenders."""

from __future__ import annotations

from collections.abc import Mapping

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class WeightedTag:
    tag: str
    weight: float = 1.0


@dataclass
class Taste:
    """What we know of a listener: artist and track weights from listening events."""

    artists: dict[str, float] = field(default_factory=dict)
    tracks: dict[str, float] = field(default_factory=dict)
    asked: bool = False  # artists named in the request ("like Radiohead"), not the listener's history
    shared: bool = False  # one of several in a group playlist: reasons never name what this listener plays

    @property
    def empty(self) -> bool:
        return not any(w > 0 for w in self.artists.values()) and not any(w > 0 for w in self.tracks.values())


@dataclass(frozen=True)
class Filters:
    """Hard constraints a listener named: results outside them are excluded, not down-ranked."""

    genres: frozenset[str] = frozenset()  # only tracks carrying one of these genre tags
    artists: frozenset[str] = frozenset()  # only tracks by these artists (artist keys)
    exclude_genres: frozenset[str] = frozenset()
    exclude_artists: frozenset[str] = frozenset()
    eras: frozenset[str] = frozenset()  # decade tags ("90s"): only tracks released then
    occasions: frozenset[str] = frozenset()  # only songs whose titles are about it ("christmas")
    exclude_occasions: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return any(getattr(self, name) for name in self.__dataclass_fields__)

    def as_lists(self) -> dict[str, list[str]]:
        """For storing in a session document."""
        return {name: sorted(getattr(self, name)) for name in self.__dataclass_fields__}

    @classmethod
    def from_lists(cls, saved: dict[str, list[str]] | None) -> "Filters":
        fields = cls.__dataclass_fields__
        return cls(**{k: frozenset(v) for k, v in (saved or {}).items() if k in fields})


NO_FILTERS = Filters()


@dataclass
class Recommendation:
    track_id: str
    name: str
    artist: str
    uri: str
    url: str
    tags: list[str]
    score: float
    reason: str


class Recommender(Protocol):
    """`implicit`-style small interface: any backend (content-based, GraphSAGE) fits behind it."""

    def recommend(
        self, taste: Taste, tags: list[WeightedTag], k: int = 20, exclude: frozenset[str] = frozenset(),
        filters: Filters = NO_FILTERS, sound: Mapping[str, float] | None = None, text: str = "",
    ) -> list[Recommendation]: ...
