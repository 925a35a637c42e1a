"""Playlists through the core's script entry point (the served GraphSAGE model), and the
content-based baseline on its own."""

from __future__ import annotations

import re

import pytest

from bot.app.wiring import App
from recommender.content import ContentRecommender
from recommender.diversify import genre_weight
from recommender.index import CatalogIndex
from recommender.sound import MOMENTS
from recommender.types import Taste


@pytest.fixture(scope="module")
def content(app: App) -> ContentRecommender:
    return ContentRecommender(CatalogIndex.load(app.settings.catalog_dir))


async def test_mood_text_gives_twenty_distinct_complete_tracks(app: App) -> None:
    tags, tracks = await app.core.recommend("cli:anon", "rainy sunday morning, feeling nostalgic", 20)
    names = [t.tag for t in tags]
    assert "nostalgic" in names and "morning" in names and any("rain" in n for n in names)
    assert len(tracks) == 20
    assert len({t.track_id for t in tracks}) == 20
    for t in tracks:
        assert t.track_id and t.name and t.artist and t.reason and t.tags
        assert t.uri == f"spotify:track:{t.track_id}"
    # Every track says how it sounds, and sounds like a rainy morning (none high-energy); the sound leads, and
    # among the songs that sound right the moment's tags and songs titled for it help; none is a Christmas song.
    assert all("BPM" in t.reason for t in tracks)
    assert not any("high-energy" in t.reason for t in tracks), [t.reason for t in tracks]
    rain = re.compile(rf"\b(?:{next(m for m in MOMENTS if m.name == 'rain').titles})\b", re.IGNORECASE)
    about = [t for t in tracks if any(name in t.reason for name in names) or rain.search(t.name)]
    assert len(about) >= 4, [f"{t.name}: {t.reason}" for t in tracks]
    assert not any("christmas" in t.name.lower() or "silent night" in t.name.lower() for t in tracks)


async def test_genre_and_era_request_is_on_topic(app: App, content: ContentRecommender) -> None:
    tags, tracks = await app.core.recommend("cli:anon", "90s hip hop party", 10)
    index = content.index
    rows = [index.row_of[t.track_id] for t in tracks]
    assert (genre_weight(index, ["hip hop"])[rows] >= 0.5).all()  # a named genre is a filter
    assert sum("90s" in t.tags for t in tracks) >= 5
    tracks = content.recommend(Taste(), tags, 10)
    assert sum("hip hop" in t.tags for t in tracks) >= 8
    assert sum("90s" in t.tags for t in tracks) >= 5


@pytest.mark.parametrize("backend", ["served", "content"])
async def test_hetrec_user_gets_personal_results_with_discovery(app: App, content: ContentRecommender,
                                                                backend: str) -> None:
    # hetrec:2 plays mostly Duran Duran, Depeche Mode, Pet Shop Boys ... (80s new wave and synthpop).
    tags = (await app.core.s.chat2tag.understand("dancing at night")).weighted_tags
    taste = Taste(artists=await app.storage.events.weights("hetrec:2", "artist"))
    rec = app.core.s.recommender if backend == "served" else content
    anon = rec.recommend(Taste(), tags, 20)
    personal = rec.recommend(taste, tags, 20)
    assert {t.track_id for t in anon} != {t.track_id for t in personal}
    personal_reason = "because you play" if backend == "served" else "fits your taste"
    assert sum(personal_reason in t.reason for t in personal) >= 10
    played = await app.storage.events.weights("hetrec:2", "artist")
    from recommender.names import artist_key

    known = [t for t in personal if artist_key(t.artist) in played]
    assert len(known) <= 6  # at most 30 %: Suggestify is for discovery
    per_artist: dict[str, int] = {}
    for t in personal:
        per_artist[t.artist] = per_artist.get(t.artist, 0) + 1
    assert max(per_artist.values()) <= 2
