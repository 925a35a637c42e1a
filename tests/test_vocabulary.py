"""The tag vocabulary built from the real data (issue: tag pipeline and embeddings)."""

from __future__ import annotations

import json

import numpy as np

from bot.app.wiring import App
from recommender.emotion import EMOTIONS
from recommender.index import CatalogIndex
from tests.cli_runner import run


def _vocab(app: App):
    return CatalogIndex.load(app.settings.catalog_dir).vocab


def category_of(vocab, tag: str) -> str | None:
    col = vocab.column(tag)
    return None if col is None else vocab.categories[col]


async def test_spelling_variants_end_as_one_tag(app: App) -> None:
    vocab = _vocab(app)
    cols = {vocab.column(t) for t in ("chill", "chillout", "chill out")}
    assert len(cols) == 1 and None not in cols


async def test_noise_is_gone(app: App) -> None:
    vocab = _vocab(app)
    for tag in ("favorites", "seen live", "8 of 10 stars", "albums i own", "awesome"):
        assert vocab.column(tag) is None, tag
    stored = await app.storage.db["tags"].count_documents({"_id": {"$in": ["favorites", "seen live"]}})
    assert stored == 0


async def test_categories_of_what_people_ask_for(app: App) -> None:
    vocab = _vocab(app)
    assert category_of(vocab, "summer") == "season"
    assert category_of(vocab, "morning") == "time_of_day"
    assert category_of(vocab, "sad") == "mood"
    assert category_of(vocab, "driving") == "situation"
    assert category_of(vocab, "rock") == "genre"
    assert category_of(vocab, "80s") == "era"
    assert category_of(vocab, "korean") in ("language", "country")
    doc = await app.storage.db["tags"].find_one({"_id": "chillout"})
    assert doc["category"] == "mood" and "chill" in doc["aliases"] and doc["count"] > 700


async def test_embeddings_follow_the_report(app: App) -> None:
    index = CatalogIndex.load(app.settings.catalog_dir)
    assert index.track_vectors().shape == (index.size, index.vocab.embeddings.shape[1] + len(EMOTIONS) + 12)
    assert np.allclose(index.track_emotion.sum(axis=1), 1.0, atol=1e-3)
    assert 0.0 <= index.features.min() and index.features.max() <= 1.0
    sad = index.vocab.column("sad")
    assert EMOTIONS[int(np.argmax(index.tag_emotion[sad]))] == "sadness"
    happy = index.vocab.column("happy")
    assert EMOTIONS[int(np.argmax(index.tag_emotion[happy]))] == "joy"
    radiohead = index.artist_row["radiohead"]
    assert np.linalg.norm(index.artist_emb[radiohead]) > 0


def test_tags_cli_json_and_plot(app: App, tmp_path) -> None:
    png = tmp_path / "map.png"
    res = run(app, "tags", "--json", "--plot", str(png))
    assert res.returncode == 0, res.stderr
    records = json.loads(res.stdout)
    assert {"tag", "category", "count", "aliases"} <= set(records[0])
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
