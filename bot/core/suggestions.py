"""Tag suggestions for the moment (the original report §4.3): the listener's own most frequent tags
(from five listened tracks on), the season in their hemisphere, the time of day where they are, and
the weather at their city; listeners without history get the fixed starter list plus date, time and
weather. The same list backs /start, /tags and the scheduled pushes."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timezone
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)

MIN_HISTORY_TRACKS = 5
MAX_SUGGESTIONS = 8
HISTORY_TAGS = 3

SEASON_TAGS = {"spring": ("spring",), "summer": ("summer", "summer time"), "autumn": ("autumn",),
               "winter": ("winter",)}
TIME_TAGS = {"morning": ("morning", "wake up"), "afternoon": ("relaxing",), "evening": ("twilight", "mellow"),
             "night": ("late night tunes",)}
# WMO weather interpretation codes, as Open-Meteo reports them.
WEATHER_TAGS = {"clear": ("happy", "summer song"), "cloudy": ("mellow",), "fog": ("atmospheric", "dreamy"),
                "rain": ("rainy day", "rain"), "snow": ("winter", "calm"), "storm": ("dark", "powerful")}


def season(month: int, southern: bool = False) -> str:
    """3–5 spring, 6–8 summer, 9–11 autumn, 12–2 winter in the north; shifted by six months in the south."""
    if southern:
        month = (month + 5) % 12 + 1
    return {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring",
            6: "summer", 7: "summer", 8: "summer"}.get(month, "autumn")


def time_of_day(hour: int) -> str:
    if 5 <= hour < 12:
        return "morning"
    if 12 <= hour < 17:
        return "afternoon"
    if 17 <= hour < 22:
        return "evening"
    return "night"


def weather_kind(code: int) -> str | None:
    if code in (0, 1):
        return "clear"
    if code in (2, 3):
        return "cloudy"
    if code in (45, 48):
        return "fog"
    if 51 <= code <= 67 or 80 <= code <= 82:
        return "rain"
    if 71 <= code <= 77 or code in (85, 86):
        return "snow"
    if code >= 95:
        return "storm"
    return None


@dataclass(frozen=True)
class Place:
    name: str
    latitude: float
    longitude: float
    timezone: str = "UTC"

    @property
    def southern(self) -> bool:
        return self.latitude < 0

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "latitude": self.latitude, "longitude": self.longitude, "timezone": self.timezone}


class Weather(Protocol):
    async def locate(self, city: str) -> Place | None: ...

    async def current_code(self, place: Place) -> int | None: ...


class Suggester:
    def __init__(self, known_tag: Callable[[str], bool], track_tags: Callable[[str], list[str]],
                 starter: Iterable[str], weather: Weather | None = None) -> None:
        self.known_tag = known_tag
        self.track_tags = track_tags
        self.starter = [t for t in starter if known_tag(t)]
        self.weather = weather

    def from_history(self, track_weights: dict[str, float]) -> list[str]:
        listened = sorted((t for t, w in track_weights.items() if w > 0), key=lambda t: -track_weights[t])[:200]
        if len(listened) < MIN_HISTORY_TRACKS:
            return []
        counts = Counter(tag for t in listened for tag in self.track_tags(t)[:6])
        return [tag for tag, _ in counts.most_common(HISTORY_TAGS)]

    async def suggest(self, track_weights: dict[str, float], place: Place | None = None,
                      now: datetime | None = None) -> list[str]:
        now = now or datetime.now(timezone.utc)
        if place is not None:
            try:
                now = now.astimezone(ZoneInfo(place.timezone))
            except (ZoneInfoNotFoundError, ValueError):
                log.warning("unknown time zone %r; using UTC", place.timezone)
        moment = [*SEASON_TAGS[season(now.month, place.southern if place else False)][:1],
                  *TIME_TAGS[time_of_day(now.hour)][:1]]
        if place is not None and self.weather is not None:
            try:
                code = await self.weather.current_code(place)
            except Exception:  # the weather service is optional: suggestions come without it
                log.warning("weather lookup failed for %s", place.name, exc_info=True)
                code = None
            kind = weather_kind(code) if code is not None else None
            if kind:
                moment = list(WEATHER_TAGS[kind][:1]) + moment
        picks = [*moment, *self.from_history(track_weights), *self.starter]
        return [t for t in dict.fromkeys(picks) if self.known_tag(t)][:MAX_SUGGESTIONS]


def parse_times(text: str) -> list[time]:
    """"08:00 20:30" -> [08:00, 20:30]; bad pieces are skipped."""
    out = []
    for piece in text.replace(",", " ").split():
        hour, _, minute = piece.partition(":")
        if hour.isdigit() and (not minute or minute.isdigit()):
            h, m = int(hour), int(minute or 0)
            if 0 <= h < 24 and 0 <= m < 60:
                out.append(time(h, m))
    return sorted(set(out))[:4]
