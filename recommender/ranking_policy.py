"""The ranking policy: how the moment's fit and the listener's combine, and what a request rules out."""

from __future__ import annotations

import re

import numpy as np

from recommender.diversify import MAX_PER_ARTIST
from recommender.fusion import z
from recommender.index import CatalogIndex
from recommender.ranker import SageRanker
from recommender.types import Filters, Taste, WeightedTag

# The moment's fused fit is standardised, then taste counts alike: one mood playlist then differs between
# listeners (pairwise Jaccard 0.29 over 40 HetRec listeners; 0.40 at 0.6) for 0.011 of their fit@10 (tune half).
TASTE_WITH_TAGS = 1.0
# Most tracks share no genre with X, so closeness is sparse: clipped at 3 standard deviations every track that
# shares X's broad genre ("pop") tops out alike and Lady Gaga opens "more like Kygo"; at 5, the closest genres
# (tropical house) stand out.
LIKENESS_CLIP = 5.0
# Tag profiles are dense (most tracks share "pop" or a decade with X), so their closeness spreads to ~2.5 sd where
# the sparse genres' reaches the clip: counted twice, X's tags weigh about as much as X's genres.
TAG_LIKENESS = 2.0
RULED_OUT = 1e3  # far below any fit: after every allowed track, yet there if nothing else is

_SEASON_ASKED = re.compile(r"christmas|xmas|holiday|winter|snow|navidad|noel|weihnacht|december|festive|"
                           r"크리스마스|クリスマス|겨울|冬")


def seasonal_rows(index: CatalogIndex) -> np.ndarray:
    """Christmas songs, by title, by a playlist made for Christmas or by the artist's Spotify genre (a Last.fm
    tag on the artist would take all of Mariah Carey's songs): only when the request asks for the season."""
    songs = index.about_occasion("christmas")
    col = index.vocab.column("christmas")
    return songs if col is None else songs | (index.track_genres[:, col].toarray().ravel() > 0)


def asks_for_the_season(text: str, tags: list[WeightedTag]) -> bool:
    return bool(_SEASON_ASKED.search(text.lower()) or any(_SEASON_ASKED.search(t.tag) for t in tags))


def listener_fit(ranker: SageRanker, taste: Taste, user: np.ndarray) -> np.ndarray:
    """How well each track fits the listener: the CF model for tracks with listening history, the CBF model
    for tracks without (new releases compete on content fit like any other track)."""
    fit = np.empty(len(ranker.interacted), np.float32)  # each model scores only the tracks it is used on
    fit[ranker.known_rows] = ranker.cf_scores(user, ranker.known_rows)
    if len(ranker.new_rows):
        fit[ranker.new_rows] = ranker.cbf_scores(taste, ranker.new_rows)
    return fit


def likeness(taste_fit: np.ndarray | None, genre_closeness: np.ndarray, tag_closeness: np.ndarray) -> np.ndarray:
    """How well each track fits "like X": X's listeners' taste, X's genres and the words people tag X's songs
    with, each standardised (the tags counted `TAG_LIKENESS` times). Listeners alone send "like Frank Ocean"
    to Franz Ferdinand (few 2011 Last.fm listeners knew him) and "like Bad Bunny" to Lady Gaga; genres alone
    send "like Daft Punk" to 80s electro; without the tags "like Ed Sheeran" was dance pop (Dua Lipa, Bruno
    Mars) and "like Norah Jones" had Diana Ross's disco. An artist no listener data knows keeps the genres and
    tags."""
    content = z(genre_closeness, clip=LIKENESS_CLIP) + TAG_LIKENESS * z(tag_closeness, clip=LIKENESS_CLIP)
    return content if taste_fit is None else z(taste_fit, clip=None) + content


def final_scores(fit: np.ndarray, taste_fit: np.ndarray | None, mask: np.ndarray | None, seasonal: np.ndarray,
                 season_asked: bool, ruled_out: np.ndarray | None = None) -> np.ndarray:
    """The moment's fit plus the listener's; what the request's filters or the season rule out at -inf, what
    reads wrong for the moment (`SoundSpace.ruled_out`) after every other track."""
    score = fit
    if taste_fit is not None:
        score = fit + TASTE_WITH_TAGS * taste_fit
    if ruled_out is not None:
        score = np.where(ruled_out, score - RULED_OUT, score)
    if mask is not None:  # before the head is cut: 130 Queen tracks may all rank below the first 2,000
        score = np.where(mask, score, -np.inf)
    if not season_asked:  # "Silent Night" on a rainy Sunday in May reads wrong at once
        score = np.where(seasonal, -np.inf, score)
    return score


def per_artist(filters: Filters, k: int) -> int:
    return k if filters.artists else MAX_PER_ARTIST  # "songs by Queen": all Queen, as many as asked
