"""Constraints in a request, read with patterns and checked against the catalog: genres and artists to
include, sound like or rule out, era, count, music language and small talk. Nothing here needs the text
encoder, so it can be imported and tested without loading a model."""

from __future__ import annotations

import re

import numpy as np
from spacy.lang.en.stop_words import STOP_WORDS as SPACY_STOP_WORDS

from recommender.chat_words import (
    ALPHANUMERIC_NAME,
    CALENDAR,
    CLAUSE,
    CONTRACTION,
    COUNT,
    DECADE,
    DECADE_WORDS,
    DESCRIBABLE,
    EVERYDAY_NAMES,
    FUNCTION_WORDS,
    JA_NOT,
    KO_NOT,
    LIKE_AFTER,
    LIKE_BEFORE,
    LIST,
    NEGATORS,
    NEW,
    NUMBER_WORDS,
    OLD_SCHOOL,
    ONLY_AFTER,
    ONLY_BEFORE,
    SCOPE_STOP,
    STOP,
    YEAR,
    alias,
)
from recommender.cues import (
    GENRE_WORDS,
    LANGUAGE_WORDS,
    MUSIC_WORDS,
    NOT_A_GENRE,
    SMALL_TALK_COMPILED,
    STILL_A_MOOD,
)
from recommender.diversify import GENRE_MIN_WEIGHT, MIN_GENRE_TRACKS, genre_weight
from recommender.genre_names import is_compound
from recommender.lookup import CatalogLookup
from recommender.names import fold
from recommender.occasions import occasion_named
from recommender.sound import moments_in
from recommender.tagging import (
    ERA_PARTS,
    NEW_RELEASES,
    canonical_decade,
    decade_years,
    normalise_tag,
)
from recommender.vocabulary import Vocabulary

NEAREST_PER_GENRE = 3  # genres offered for each one the catalog lacks
MAX_TITLE_WORDS = 8  # the longest song title looked for after "like"
FEEL = frozenset("feel feels feeling felt look looks seem seems".split())  # "feels like home": an idiom


def genre_words(lowered: str) -> tuple[list[str], list[str]]:
    """(genres named, genres ruled out) in Hangul (a word that starts with the name: "힙합을", not "기록") or in
    kana (anywhere; the longest name wins: シティポップ is city pop, not pop)."""
    tokens = lowered.split()
    named, ruled_out = [], []
    for word, genre in sorted(GENRE_WORDS.items(), key=lambda p: -len(p[0])):
        if re.match(r"[\uac00-\ud7af]", word):
            at = [i for i, t in enumerate(tokens) if t.startswith(word)]
            if at:
                after = tokens[at[0]][len(word):] + " " + " ".join(tokens[at[0] + 1: at[0] + 2])
                (ruled_out if any(n in after for n in KO_NOT) else named).append(genre)
        elif word in lowered:
            after = lowered[lowered.index(word) + len(word):][:4]
            (ruled_out if any(after.startswith(n) for n in JA_NOT) else named).append(genre)
            lowered = lowered.replace(word, " ")
    return list(dict.fromkeys(named)), list(dict.fromkeys(ruled_out))


def script_language(text: str) -> str | None:
    """Scripts that name their language outright (lingua mixes up short CJK messages with Latin in them)."""
    if re.search(r"[\u3040-\u30ff]", text):
        return "ja"
    if re.search(r"[\uac00-\ud7af\u1100-\u11ff]", text):
        return "ko"
    if re.search(r"[\u4e00-\u9fff]", text):
        return "zh"
    return None


def count_in(text: str) -> int | None:
    """How many tracks the request asks for ("20 songs", "top 15", "10곡")."""
    match = COUNT.search(text)
    if not match:
        return None
    raw = next(g for g in match.groups() if g)
    return int(raw) if raw.isdigit() else NUMBER_WORDS[raw]


def era_in(text: str) -> str | None:
    """A decade ("90s"), part of one ("early 2010s"), a span of them ("80s and 90s": "80s-90s") or a year, in
    English, French, Spanish, German, Korean or Japanese; or the newest releases ("brand new stuff")."""
    for word, decade in DECADE_WORDS.items():
        if word in text:
            return decade
    for source in (text, fold(text)):
        found = []
        for match in DECADE.finditer(source):
            raw = match.group(1) or f"{next(g for g in match.groups()[1:] if g)}s"
            decade = canonical_decade(raw.replace(" ", "").replace("'", ""))
            if decade:
                before = source[: match.start()].split()[-1:]
                found.append(f"{before[0]} {decade}" if before and before[0] in ERA_PARTS else decade)
        spans = sorted((decade_years(era), era) for era in dict.fromkeys(found) if decade_years(era))
        if spans:
            return spans[0][1] if len(spans) == 1 else f"{spans[0][1]}-{spans[-1][1]}"
    years = sorted({int(found.group(1)) for found in YEAR.finditer(text)})
    if years:  # a year is its releases ("summer hits 2019" is not the whole decade); several are a span
        return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"
    if NEW.search(text):
        return NEW_RELEASES
    return OLD_SCHOOL if "old school" in text else None


def small_talk_in(folded: str) -> str | None:
    """The kind of small talk a message is ("greeting", "who"…); None when it asks for music."""
    for pattern, kind in SMALL_TALK_COMPILED:
        if pattern.search(folded):
            return None if kind not in ("who", "what", "off_topic") and MUSIC_WORDS.search(folded) else kind
    return None


class ConstraintReader:
    """Genres, artists and music languages a request names, include or rule out, as the catalog knows them."""

    def __init__(self, vocab: Vocabulary, lookup: CatalogLookup) -> None:
        self.vocab = vocab
        self.lookup = lookup
        self._named_genres = frozenset(lookup.named_genres())
        self._absent_genres = frozenset(lookup.index.absent_genres.tolist())
        self._thin: dict[str, bool] = {}  # genre -> fewer than MIN_GENRE_TRACKS tracks carry it
        self._carried_genre: dict[int, bool] = {}  # vocabulary column -> a genre some artist carries on Spotify
        self._sounding_genres = frozenset(lookup.index.genre_sound_names.tolist())  # ... catalog or not ("bossa nova")
        self._neighbours: dict[str, list[str]] = {}
        for genre, neighbour in lookup.index.genre_neighbours.tolist():
            self._neighbours.setdefault(genre, []).append(neighbour)
        # Words that alone or in pairs are more likely meant than names ("late night", "bad day").
        self._common = STOP | SPACY_STOP_WORDS | CALENDAR | {
            w for t, c in zip(self.vocab.tags, self.vocab.categories) if c in DESCRIBABLE for w in t.split()}

    def read_request(self, text: str, folded: str, fuzzy: bool = True
                     ) -> tuple[dict[str, list[str]], str, str | None]:
        """Everything `read` finds, with genres named in Hangul or kana and a music language: (genres and
        artists, the rest of the text for the tags, the language)."""
        found, rest = self.read(text, fuzzy)
        named, ruled_out = genre_words(text.lower())
        found["exclude_genres"] += [g for g in ruled_out if g in self._named_genres and g not in found["exclude_genres"]]
        found["genres"] += [g for g in named if g in self._named_genres
                            and g not in found["genres"] + found["exclude_genres"]]
        language = self.language(alias(folded), text.lower())
        if language in found["exclude_genres"]:
            language = None  # "no latin stuff" rules it out
        if language:  # "k-pop" is not also pop; a language that is a genre of its own ("latin") stays one
            found["genres"] = [g for g in found["genres"] if g == language or g not in language.split()]
        # "hard rock" also matched "rock": keep what was meant.
        inside = [g.split() for g in found["genres"]] + [a.split() for a in found["artists"] + found["like_artists"]]
        found["genres"] = [g for g in found["genres"]
                           if not any(g.split() != o and set(g.split()) <= set(o) for o in inside)]
        found["missing_genres"] = self.missing_genres(folded)
        # A genre the catalog holds only a handful of is said as lacking, and filters nothing (`Intent.filters`:
        # a filter would leave a playlist of four, or fall back to its head: "j-pop" became pop); its tag
        # still leads the ranking.
        for genre in [*found["genres"], *([language] if language else []), *self._genre_tags_named(folded)]:
            if genre not in found["missing_genres"] and self._is_thin(genre):
                found["missing_genres"].append(genre)
        lacking = found["missing_genres"]  # said once: "post rock", not also "instrumental post rock"
        found["missing_genres"] = [g for g in lacking if not any(o != g and set(o.split()) < set(g.split()) for o in lacking)]
        found["nearest_genres"] = self.nearest(found["missing_genres"])
        return found, rest, language

    def nearest(self, lacking: list[str]) -> list[str]:
        """For each lacking genre, the few genres Spotify's artists carry most often beside it that the catalog
        holds ("shoegaze": dream pop, noise pop; not "american shoegaze", which it lacks too)."""
        out: list[str] = []
        for genre in lacking:
            near = [n for n in self._neighbours.get(genre, []) if n not in lacking and not is_compound(n, genre)]
            # By the name Spotify gives the artists (the vocabulary spells "tropicalia" as tropical house), and
            # as the style itself: "classical" sits beside "baroque", which here is only "baroque pop".
            out += [n for n in near if n not in out
                    and self.lookup.index.genres.headed(n) >= MIN_GENRE_TRACKS][:NEAREST_PER_GENRE]
        return out

    def _genre_tags_named(self, folded: str) -> list[str]:
        """Vocabulary genre tags the request names outright ("anime hits") that some artist carries as a Spotify
        genre, in the catalog or beyond it (so "heavy" or "intense" are not genres here), not ruled out and not
        a moment ("meditation")."""
        words, named = folded.split(), []
        for n in (3, 2, 1):
            for i in range(len(words) - n + 1):
                gram = " ".join(words[i: i + n])
                col = self.vocab.column(gram)
                if col is None or (i and words[i - 1] in NEGATORS) or self.vocab.tags[col] in named:
                    continue
                if col not in self._carried_genre:  # once per tag: a pass over the catalog
                    tag = self.vocab.tags[col]
                    self._carried_genre[col] = (self.vocab.categories[col] == "genre" and not moments_in(gram) and (
                        tag in self._sounding_genres or bool(self.lookup.index.genres.carrying([tag]).any())))
                if self._carried_genre[col]:
                    named.append(self.vocab.tags[col])
        return named

    def _is_thin(self, genre: str) -> bool:
        """Fewer than MIN_GENRE_TRACKS tracks carry the genre by any evidence: Spotify names, Last.fm tags, or
        the track's own tags."""
        if genre not in self._thin:
            index, col = self.lookup.index, self.vocab.column(genre)
            weight = genre_weight(index, [genre])
            if col is not None:
                weight = np.maximum(weight, index.track_tags[:, col].toarray().ravel())
            self._thin[genre] = int((weight >= GENRE_MIN_WEIGHT).sum()) < MIN_GENRE_TRACKS
        return self._thin[genre]

    def missing_genres(self, folded: str) -> list[str]:
        """Genres the request names that no track carries ("forro"), the longest name first; not when ruled out."""
        words, missing = folded.split(), []
        i = 0
        while i < len(words):
            for n in (3, 2, 1):
                gram = " ".join(words[i: i + n])
                if (len(words[i: i + n]) == n and gram in self._absent_genres and not (i and words[i - 1] in NEGATORS)
                        and not self.lookup.index.genres.carrying([gram]).any()):  # an ingested track may carry it
                    missing.append(gram)
                    i += n - 1
                    break
            i += 1
        return missing

    def language(self, folded: str, lowered: str) -> str | None:
        padded = f" {folded} "
        for word, tag in LANGUAGE_WORDS.items():
            # Hangul and Cyrillic are matched unfolded (folding decomposes Hangul syllables).
            if (f" {word} " in padded or (not word.isascii() and word in lowered)) and self.vocab.column(tag) is not None:
                return tag
        return None

    def _artist_at(self, words: list[str], i: int, fuzzy: bool = True, alone: bool = False) -> tuple[str, int] | None:
        """The longest catalog artist starting at word i, as (key, length)."""
        for n in (4, 3, 2, 1):
            if i + n > len(words):
                continue
            gram = " ".join(words[i: i + n])
            key = self.lookup.artist_by_words.get(gram)  # the lookup's: it grows with ingested tracks
            if key is None or (not fuzzy and words[i] in FUNCTION_WORDS):
                continue
            if alone and i == 0 and n == len(words) and self.vocab.column(gram) is None and gram not in EVERYDAY_NAMES:
                return key, n  # the message is just the name: "eminem"
            if n == 1 and ALPHANUMERIC_NAME.fullmatch(gram) and not DECADE.fullmatch(gram):
                return key, n  # "2pac", "blink182": no word looks like that
            if n == 1 or key != gram or gram in EVERYDAY_NAMES:  # one word, a name without its "the", a phrase
                # One everyday word ("queen", "rain") is an artist only where the sentence says so.
                before = words[i - 1] if i else ""
                after = words[i + 1] if i + 1 < len(words) else ""
                if not (before in ONLY_BEFORE | LIKE_BEFORE | NEGATORS or after in ONLY_AFTER | LIKE_AFTER):
                    continue
                if gram in STOP or gram in SPACY_STOP_WORDS or len(gram) < 3:
                    continue
                if not self.lookup.has_tracks(key) and not (before in LIKE_BEFORE | {"by"} or after in LIKE_AFTER):
                    continue  # "some tea", "yoga flow music": a band with no song here is not what was meant
                col = self.vocab.column(gram)
                if (col is not None and self.vocab.categories[col] in DESCRIBABLE | {"genre"}
                        and before not in ("only", "just", "by", "play")):
                    continue  # "electronic music" is a genre, "only Electronic" the band
            elif all(w in self._common for w in gram.split()):
                continue  # "me and my", "late night": words people use, whatever band took them
            return key, n
        return self._misspelt_artist_at(words, i) if fuzzy else None

    def _misspelt_artist_at(self, words: list[str], i: int) -> tuple[str, int] | None:
        """After "like", "by", "no"…, a name with a typo ("like radiohed") still counts: fuzzy, two words or one
        long one, never a tag or an everyday word."""
        if not i or words[i - 1] not in ONLY_BEFORE | LIKE_BEFORE | NEGATORS:
            return None
        for n in (2, 1):
            gram = " ".join(words[i: i + n])
            if (i + n > len(words) or len(gram) < 6 or self.vocab.column(normalise_tag(gram)) is not None
                    or any(w in STOP or w in SPACY_STOP_WORDS for w in gram.split())
                    or all(w in self._common for w in gram.split())):
                continue
            hit = self.lookup.find_artist(gram)
            if hit is not None:
                return hit[0], n
        return None

    def read(self, text: str, fuzzy: bool = True) -> tuple[dict[str, list[str]], str]:
        """Genres and artists to include, sound like, or exclude, clause by clause; and the rest of the text
        (names and ruled-out words removed) for the tags."""
        found: dict[str, list[str]] = {k: [] for k in ("genres", "exclude_genres", "artists", "like_artists",
                                                       "exclude_artists", "like_tracks", "occasions",
                                                       "exclude_occasions")}
        rest: list[str] = []
        clauses = [c for c in CLAUSE.split(text.lower()) if c.strip()]
        for clause in clauses:
            words = CONTRACTION.sub(r"\1nt", alias(fold(clause))).split()  # "aren t" (folded "aren't") -> "arent"
            skip_genre = [m.span() for m in NOT_A_GENRE.finditer(" ".join(words))]
            negated_until = -1
            last_kind, last_end = "", -2
            i = 0
            while i < len(words):
                w = words[i]
                if w in NEGATORS or (w == "but" and i and words[i - 1] in ("anything", "everything")):
                    negated_until = i + 4
                    i += 1
                    continue
                if w in SCOPE_STOP and not (i and words[i - 1] in NEGATORS):  # "dont want rap" stays negated
                    negated_until = -1
                negated = i <= negated_until
                after_like = bool(i) and words[i - 1] in LIKE_BEFORE and not negated
                hit = self._artist_at(words, i, fuzzy, alone=len(clauses) == 1)  # typo-tolerant only in English
                song = self._song_at(words, i, fuzzy, by_artist=True) if after_like else None
                if song is None and after_like and hit is None:
                    song = self._song_at(words, i, fuzzy, by_artist=False)
                if song is not None:  # "songs like blinding lights": the song, and its artist's taste
                    track_id, n = song
                    found["like_tracks"].append(track_id)
                    key = self.lookup.artist_of(track_id)
                    if key not in found["like_artists"]:
                        found["like_artists"].append(key)
                    last_kind, last_end = "", -2
                    i += n
                    continue
                if hit is not None:
                    key, n = hit
                    before = set(words[max(0, i - 3): i])
                    after = words[i + n] if i + n < len(words) else ""
                    if negated:
                        kind = "exclude_artists"
                    elif last_end >= i - 2 and all(x in LIST for x in words[last_end:i]) and last_kind:
                        kind = last_kind  # "like the cure and joy division": the list shares its verb
                    elif (before & LIKE_BEFORE or after in LIKE_AFTER
                          or (after == "and" and i + n + 1 < len(words) and words[i + n + 1] in LIKE_AFTER)):
                        kind = "like_artists"
                    else:
                        kind = "artists"
                    if key not in found[kind]:
                        found[kind].append(key)
                    last_kind, last_end = kind, i + n
                    if negated:
                        negated_until = i + n + 2  # "no drake or future"
                    i += n
                    continue
                genre = self._genre_at(words, i, negated)
                if genre is not None:
                    tag, n = genre
                    offset = len(" ".join(words[:i])) + (1 if i else 0)
                    if negated or (i and words[i - 1] == "than"):  # "calmer than metal": not metal either
                        found["exclude_genres"].append(tag)
                        negated_until = i + n + 2
                        i += n
                        continue
                    if not any(a <= offset < b for a, b in skip_genre):
                        found["genres"].append(tag)
                    elif tag not in STILL_A_MOOD:  # "the house" is a room: no filter, and no "house" tag either
                        i += n
                        continue
                if (occasion := occasion_named(w)) is not None:  # "christmas songs", "winter, but no xmas"
                    kind = "exclude_occasions" if negated else "occasions"
                    if occasion not in found[kind]:
                        found[kind].append(occasion)
                if not negated:
                    rest.append(w)
                i += 1
            rest.append(",")
        found["genres"] = [g for g in dict.fromkeys(found["genres"]) if g not in found["exclude_genres"]]
        found["exclude_genres"] = list(dict.fromkeys(found["exclude_genres"]))
        found["occasions"] = [o for o in found["occasions"] if o not in found["exclude_occasions"]]
        return found, " ".join(rest)

    def _song_at(self, words: list[str], i: int, fuzzy: bool, by_artist: bool) -> tuple[str, int] | None:
        """A catalog song's title starting at word i, longest first, as (track id, words used). With `by_artist`
        only "<title> by <artist>" counts, whatever the title's words ("yellow by coldplay"; the words are used
        up); without, only two words or more, not all of them everyday ones ("the way i feel"), and not after
        "feel like" ("i feel like dancing" is no request for the song "Dancing")."""
        if not by_artist and i >= 2 and words[i - 2] in FEEL:
            return None
        for n in range(min(MAX_TITLE_WORDS, len(words) - i), 0 if by_artist else 1, -1):
            title, after = words[i: i + n], i + n
            if by_artist:
                hit = self._artist_at(words, after + 1, fuzzy) if after + 1 < len(words) and words[after] == "by" else None
                track_id = self.lookup.find_track(" ".join(title), hit[0]) if hit else None
                if track_id is not None:
                    return track_id, n + 1 + hit[1]  # type: ignore[index]
            elif not all(w in self._common for w in title):
                if (track_id := self.lookup.find_track(" ".join(title))) is not None:
                    return track_id, n
        return None

    def _genre_at(self, words: list[str], i: int, negated: bool = False) -> tuple[str, int] | None:
        """A genre starting at word i; ruled out, a music language counts too ("no latin")."""
        for n in (4, 3, 2, 1):  # "old school hip hop", "east coast hip hop"
            if i + n <= len(words):
                tag = normalise_tag(" ".join(words[i: i + n]))
                if tag in self._named_genres or (negated and LANGUAGE_WORDS.get(tag) == tag
                                                 and self.vocab.column(tag) is not None):
                    if n > 1 and i + n < len(words) and self._moment_across(words[i + n - 1], words[i + n]):
                        continue  # "country road trip" is country and a road trip, not the genre "country road"
                    return tag, n
        return None

    @staticmethod
    def _moment_across(last: str, following: str) -> bool:
        """The two words name a moment that neither names alone ("road trip"; not "house party")."""
        return bool(moments_in(f"{last} {following}")) and not moments_in(last) and not moments_in(following)

    def columns_with_word(self, genre: str) -> list[int]:
        """Tags that carry a ruled-out genre ("no country" also rules out "new country")."""
        words = set(genre.split())
        return [i for i, t in enumerate(self.vocab.tags) if words <= set(t.split())]
