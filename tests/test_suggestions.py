"""Tag suggestions for the moment: season by hemisphere, time of day, weather, and the listener's history."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timezone

import pytest

from adapters.open_meteo import OpenMeteo
from bot.app.wiring import App
from bot.core.messages import Incoming
from bot.core.suggestions import Place, Suggester, season, time_of_day, weather_kind
from recommender.lookup import STARTER_TAGS
from tests.fakes.open_meteo_server import FakeOpenMeteo

SEOUL = Place("Seoul", 37.566, 126.978, "Asia/Seoul")
SYDNEY = Place("Sydney", -33.868, 151.207, "Australia/Sydney")
JAN_15_0800_UTC = datetime(2026, 1, 15, 8, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("month, southern, expected", [
    (3, False, "spring"), (5, False, "spring"), (6, False, "summer"), (8, False, "summer"), (9, False, "autumn"),
    (11, False, "autumn"), (12, False, "winter"), (2, False, "winter"),
    (1, True, "summer"), (4, True, "autumn"), (7, True, "winter"), (10, True, "spring"),
])
def test_season_by_hemisphere(month: int, southern: bool, expected: str) -> None:
    assert season(month, southern) == expected


def test_time_of_day_and_weather_codes() -> None:
    assert [time_of_day(h) for h in (6, 13, 19, 23, 2)] == ["morning", "afternoon", "evening", "night", "night"]
    assert [weather_kind(c) for c in (0, 3, 45, 61, 81, 73, 95, 42)] == [
        "clear", "cloudy", "fog", "rain", "rain", "snow", "storm", None]


@pytest.fixture
async def meteo() -> AsyncIterator[FakeOpenMeteo]:
    async with FakeOpenMeteo().running() as fake:
        yield fake


@pytest.fixture
def suggester(app: App, meteo: FakeOpenMeteo) -> Suggester:
    lookup = app.core.s.catalog
    return Suggester(known_tag=lambda t: bool(lookup.category(t)),  # type: ignore[attr-defined]
                     track_tags=lambda tid: (lookup.track(tid).tags if lookup.track(tid) else []),  # type: ignore
                     starter=STARTER_TAGS, weather=OpenMeteo(meteo.forecast_url, meteo.geocoding_url))


async def test_weather_season_and_local_time_for_fixed_dates(suggester: Suggester, meteo: FakeOpenMeteo) -> None:
    # 08:00 UTC on 15 January is 17:00 in Seoul (winter, evening) and 19:00 in Sydney (summer, evening).
    seoul = await suggester.suggest({}, SEOUL, JAN_15_0800_UTC)
    assert seoul[:3] == ["rainy day", "winter", "twilight"]
    meteo.weather_code = 71  # snow
    sydney = await suggester.suggest({}, SYDNEY, JAN_15_0800_UTC)
    assert sydney[:3] == ["winter", "summer", "twilight"]  # snow tag first (odd in January, but it snows)
    nowhere = await suggester.suggest({}, None, JAN_15_0800_UTC)  # no city: UTC morning in the north
    assert nowhere[:2] == ["winter", "morning"] and len(nowhere) == 8


async def test_a_failing_weather_api_still_gives_suggestions(suggester: Suggester, meteo: FakeOpenMeteo) -> None:
    meteo.failing = True
    tags = await suggester.suggest({}, SEOUL, JAN_15_0800_UTC)
    assert tags[:2] == ["winter", "twilight"] and "rainy day" not in tags


async def test_history_tags_from_five_tracks_on(app: App, suggester: Suggester) -> None:
    index = app.core.s.catalog.index  # type: ignore[attr-defined]
    tracks = [str(t) for t in index.track_ids[:5]]
    expected = suggester.from_history({t: 1.0 for t in tracks})
    assert expected and await suggester.suggest({t: 1.0 for t in tracks[:4]}, None, JAN_15_0800_UTC) == (
        await suggester.suggest({}, None, JAN_15_0800_UTC))  # four tracks: not enough to judge a taste
    with_history = await suggester.suggest({t: 1.0 for t in tracks}, None, JAN_15_0800_UTC)
    assert with_history[2:2 + len(expected)] == expected


async def test_place_command_and_tags_through_the_core(app: App, suggester: Suggester) -> None:
    core = app.core.with_services(suggester=suggester)
    chat = f"pl{uuid.uuid4().hex[:6]}"
    reply = await core.handle(Incoming("console", chat, chat, "/place Seoul"))
    assert "Seoul" in reply.text and "rainy day" in reply.suggestions
    user = await app.storage.users.get(f"console:{chat}")
    assert user is not None and user["place"]["timezone"] == "Asia/Seoul"
    assert "rainy day" in (await core.handle(Incoming("console", chat, chat, "/tags"))).suggestions
    assert "rainy day" in (await core.handle(Incoming("console", chat, chat, "/start"))).suggestions
    missing = await core.handle(Incoming("console", chat, chat, "/place Atlantis"))
    assert "couldn't find" in missing.text
