"""Genres as Spotify writes them, every one of them: the truth hard genre constraints are checked on.

The tag vocabulary keeps a genre only when enough artists carry it, so "classic city pop" (41 tracks, 5
artists) or "san diego rap" are not tags. A named genre ("city pop", "no rap") must still mean exactly
that: these names are matched as words ("city pop" covers "classic city pop", "rap" covers "san diego
rap", never "trap"), beside the vocabulary."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from recommender.closeness import closeness_to, unit_rows
from recommender.tagging import normalise_tag

# What listeners mean by a genre name beyond its compounds: "no rap" rules out hip hop too.
GENRE_FAMILIES = {
    "rap": ("hip hop", "trap"), "hip hop": ("rap", "trap"), "edm": ("house", "trance", "dubstep", "big room", "techno"),
    "rnb": ("soul", "new jack swing", "quiet storm"), "latin": ("reggaeton",), "metal": ("metalcore",),
    # Afrobeats, as listeners say it, is West Africa's pop as much as Fela's afrobeat.
    "afrobeat": ("afropop", "afro dancehall", "afroswing", "azonto", "nigerian pop", "nigerian hip hop", "ghanaian hip hop"),
    # A music language is its scene's genres: "korean ballads" are k-pop's, not the six tracks tagged "korean".
    "korean": ("k pop", "k rap", "k indie", "korean rnb"), "japanese music": ("j pop", "j rock", "city pop", "japanese"),
}
# Where a scene is, not how it sounds: "canadian pop" is pop from Canada. In "like X" a shared place counts for
# less than a shared style, or "songs like Blinding Lights" is every Canadian (Drake, Céline Dion, Avril Lavigne).
PLACES = frozenset(
    "american argentine arkansas atl atlanta australian belgian birmingham boston brazilian british brooklyn canadian "
    "chicago chilean colombian danish detroit dominican dutch finnish french german gothenburg icelandic indonesian "
    "irish israeli italian japanese kentucky la lebanese melbourne memphis mexican miami minneapolis nashville "
    "nigerian nordic norwegian nyc oakland philly pinoy russian scandinavian scottish seattle spanish swedish swiss "
    "texas toronto uk us venezuelan welsh".split())
STYLE_LEADS = frozenset({"country", "jazz", "blues"})  # ... whose compounds ending in these are those
LOUD_TAILS = frozenset({"rock", "metal", "punk", "rap", "hip hop"})
PLACE_WEIGHT = 0.4  # "canadian pop" in "like X": 0.4 of the name itself, and all of "pop"


def is_compound(name: str, genre: str) -> bool:
    """Whether a genre name is this genre or one of its compounds: "dance pop" and "europop" are pop, "uk pop"
    is not k-pop, "trap" is not rap."""
    return genre in _covered_by(name)


def _ends_loud(words: list[str]) -> bool:
    return len(words) > 1 and (words[-1] in LOUD_TAILS or " ".join(words[-2:]) in LOUD_TAILS)


def _covered_by(name: str) -> set[str]:
    """Every genre this name is a compound of: its leading and trailing words, and for one word its tails
    ("europop": "pop"). A style leading a compound that ends in a louder one is that one's kind alone:
    "country rock" (Foghat, ZZ Top, Billy Squier) is rock, not country; "jazz rap" is rap, "blues rock" rock."""
    words = name.split()
    loud = words[0] in STYLE_LEADS and _ends_loud(words)
    leads = range(len(words), len(words) + 1) if loud else range(1, len(words) + 1)
    out = {" ".join(words[:k]) for k in leads} | {" ".join(words[-k:]) for k in range(1, len(words) + 1)}
    if len(words) == 1:
        out |= {name[i:] for i in range(3, len(name) - 2)}
    return out


def name_matrix(genres_of: Sequence[Iterable[str]]) -> tuple[np.ndarray, sp.csr_matrix]:
    """(the distinct names, (rows × names) which row carries which) from each row's genre names."""
    per_row = [{normalise_tag(g) for g in gs} - {""} for gs in genres_of]
    names = sorted(set().union(*per_row)) if per_row else []
    col = {g: i for i, g in enumerate(names)}
    rows = [r for r, gs in enumerate(per_row) for _ in gs]
    cols = [col[g] for gs in per_row for g in gs]
    matrix = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(len(per_row), len(names)))
    return np.asarray(names, dtype=str), matrix


def appended(names: np.ndarray, matrix: sp.csr_matrix, keep: np.ndarray,
             genres_of: Sequence[Iterable[str]]) -> tuple[np.ndarray, sp.csr_matrix]:
    """The kept rows of (names, matrix) with rows for `genres_of` below them (new names get new columns)."""
    old = [names[matrix[r].indices].tolist() for r in np.flatnonzero(keep)]
    return name_matrix(old + [list(gs) for gs in genres_of])


class GenreNames:
    """Which rows carry a named genre, by the genre names (`name_matrix`) each row has."""

    def __init__(self, names: np.ndarray, matrix: sp.csr_matrix,
                 families: Mapping[str, tuple[str, ...]] = GENRE_FAMILIES) -> None:
        self.names, self.matrix, self.families = names, matrix.tocsc(), families
        self._weighted: sp.csr_matrix | None = None  # rows scaled for `closeness`, made on first use
        self._columns: dict[str, list[int]] = defaultdict(list)  # genre -> the names that are it or compounds
        for i, name in enumerate(names.tolist()):
            for genre in _covered_by(name):
                self._columns[genre].append(i)

    def closeness(self, rows: np.ndarray) -> np.ndarray:
        """(rows,) how much each row's genres are those of `rows` (an artist named in "like X"): the cosine of
        genre sets weighed by rarity, so sharing "sheffield indie" counts more than sharing "rock", and by style
        more than by place (`PLACES`)."""
        if self._weighted is None:
            styles = (self.matrix @ _styles(self.names.tolist())).tocsc()
            carried = np.diff((styles > 0).indptr)  # csc: rows per style
            idf = np.log((styles.shape[0] + 1) / (carried + 1)).astype(np.float32)
            self._weighted = unit_rows(styles @ sp.diags(idf))
        return closeness_to(self._weighted, rows)

    def carrying(self, genres: Iterable[str]) -> np.ndarray:
        """(rows,) bool: the rows carrying any of these genres, their families ("rap": hip hop, trap) or
        their compounds."""
        cols = self.columns(genres)
        if not cols:
            return np.zeros(self.matrix.shape[0], dtype=bool)
        return np.asarray(self.matrix[:, cols].sum(axis=1)).ravel() > 0

    def headed(self, genre: str) -> int:
        """How many rows carry a name that is this genre or ends in it: "baroque" counts only where it is the
        style ("italian baroque"), not in "baroque pop", a kind of pop."""
        cols = [i for i, name in enumerate(self.names.tolist()) if name == genre or name.endswith(f" {genre}")]
        return int((np.asarray(self.matrix[:, cols].sum(axis=1)).ravel() > 0).sum()) if cols else 0

    def led_by(self, genres: Iterable[str]) -> list[str]:
        """The compounds these genres lead without being their kind ("country rock"): "no country" rules them
        out too, though "country" alone does not let them in."""
        leads = tuple(f"{g} " for g in genres if g in STYLE_LEADS)
        return [n for n in self.names.tolist() if n.startswith(leads) and _ends_loud(n.split())] if leads else []

    def columns(self, genres: Iterable[str]) -> list[int]:
        """The genre names that are these genres, their families or their compounds."""
        genres = list(genres)
        return sorted({c for g in genres + [f for g in genres for f in self.families.get(g, ())]
                       for c in self._columns.get(g, ())})

    def nameable(self, min_rows: int, heads: Iterable[str]) -> list[str]:
        """Genres of two or more words a listener can name, beyond the vocabulary: a name's trailing words
        ending in a known genre (`heads`), carried by at least `min_rows` rows ("classic city pop" makes
        "city pop" nameable; "trap mexicano" does not make "mexicano" a genre)."""
        heads = set(heads)
        out = []
        for genre in self._columns:
            words = genre.split()
            if len(words) >= 2 and words[-1] in heads and self.carrying([genre]).sum() >= min_rows:
                out.append(genre)
        return sorted(out)


def _styles(names: list[str]) -> sp.csr_matrix:
    """(names × styles) each genre name as its style: itself, or for a place's scene ("toronto rap") the style
    ("rap") and, at `PLACE_WEIGHT`, the scene's own name."""
    style_of = {}
    for name in names:
        first, _, rest = name.partition(" ")
        if rest and first in PLACES:
            style_of[name] = rest
    columns = {s: i for i, s in enumerate(names + sorted(set(style_of.values()) - set(names)))}
    entries = [(i, i, PLACE_WEIGHT if name in style_of else 1.0) for i, name in enumerate(names)]
    entries += [(i, columns[style_of[name]], 1.0) for i, name in enumerate(names) if name in style_of]
    rows, cols, weights = zip(*entries) if entries else ((), (), ())
    return sp.csr_matrix((weights, (rows, cols)), shape=(len(names), len(columns)), dtype=np.float32)
