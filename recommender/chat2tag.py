"""Local Chat2Tag: a chat message to an `Intent`, with no key and no network.

Tags come from three kinds of evidence, strongest first: tags the message
names outright ("nostalgic"), cues for the moments people describe ("just got
dumped" -> breakup music), and sentence-embedding similarity between pieces of
the message and the vocabulary, weighted by tag category and nudged by the
message's emotion. Constraints (genres and artists to include or exclude, era,
count, language) are read with patterns and checked against the catalog.
Other languages go to a multilingual encoder; small talk gets no playlist.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections import OrderedDict
from pathlib import Path

import numpy as np

from recommender.chat_words import COMPARATIVE, DESCRIBABLE, ERA_WORDS, FALL_VERB, NEW, SLOW_DANCE, feelings_as_tags
from recommender.constraints import ConstraintReader, count_in, era_in, script_language, small_talk_in
from recommender.cues import MUSIC_WORDS, emoji_as_words
from recommender.encoder import TextEncoder
from recommender.index import CatalogIndex
from recommender.intent import MAX_TAGS, Intent, IntentTag
from recommender.kana_names import KanaNames
from recommender.language import LanguageDetector, MultilingualTagger
from recommender.lookup import CatalogLookup
from recommender.names import fold
from recommender.occasions import without_words
from recommender.sound import (
    SONG_DIMS,
    Moment,
    SoundSpace,
    bpm_in,
    combine,
    comparatives_in,
    genre_target,
    moments_in,
    move,
    shifts_of,
    wanted_in,
)
from recommender.tag_scoring import TagScorer
from recommender.tagging import NEW_RELEASES, era_tag, normalise_tag

SAID_AS_WORDS = DESCRIBABLE | {"genre"}  # a transliterated tag of these ("Rock", "Drive") is not an artist
MAX_CHARS = 500  # a mood is said in a sentence or two; the rest only slows the encoder
READINGS_KEPT = 4096  # recent messages' readings: "chill", "workout", "sad songs" come again and again


class LocalChat2Tag:
    """The embedded default parser. `parse` is pure CPU work: call it off the event loop.

    It coordinates the constraint reader (`recommender.constraints`) and the tag scorer
    (`recommender.tag_scoring`), and reads the request's target sound."""

    def __init__(self, index: CatalogIndex, lookup: CatalogLookup, encoder: TextEncoder,
                 detector: LanguageDetector | None = None, multilingual: MultilingualTagger | None = None,
                 word_vectors: Path | None = None) -> None:
        self.index = index
        self.vocab = index.vocab
        self.word_vectors = word_vectors
        self.lookup = lookup
        self.encoder = encoder
        self.detector = detector
        self.multilingual = multilingual
        self.scorer = TagScorer(index, encoder, word_vectors)
        self.constraints = ConstraintReader(index.vocab, lookup)
        self.kana = KanaNames(self._artist_named)
        self._space = SoundSpace.of(index)
        self._artist_rows = index.artist_keys
        self._on_tracks = np.diff(index.track_tags.tocsc().indptr) > 0  # per tag: some track carries it
        # A reading depends on the catalog the lookup names artists and songs in: kept while it stays the same.
        self._readings: OrderedDict[str, Intent] = OrderedDict()
        self._readings_of = lookup.index

    def _artist_named(self, name: str) -> str | None:
        """The catalog's name for an artist a (transliterated) word names; not a tag ("Rock" is no band here)."""
        hit = self.lookup.find_artist(name)
        col = self.vocab.column(normalise_tag(name))
        return hit[1] if hit is not None and (col is None or self.vocab.categories[col] not in SAID_AS_WORDS) else None

    def warm_up(self) -> None:
        """Embed the words requests are made of, and index the songs they may name, before the first message
        needs them."""
        self.scorer.warm_up()
        self.constraints.lookup.titles()

    def text_vector(self, text: str) -> np.ndarray | None:
        """The mean of a text's content-word embeddings, for the recommender's text signals."""
        return self.scorer.text_vector(text)

    # -- the whole message ----------------------------------------------------
    def parse(self, text: str) -> Intent:
        text = emoji_as_words(text[:MAX_CHARS])
        folded = fold(text)
        if not folded:
            return Intent(tags=[], note="")
        script = script_language(text)
        lang = script or (self.detector.detect(text) if self.detector else "en")
        talk = small_talk_in(folded) or (None if text.isascii() else small_talk_in(text.lower().strip()))
        if talk is not None and (talk in ("who", "what", "off_topic") or not MUSIC_WORDS.search(folded)):
            return Intent(music=False, note=talk, lang=lang)
        latin = self.kana.latin(text) if script == "ja" else text  # クイーン: Queen
        found, rest, language = self.constraints.read_request(latin, fold(latin), fuzzy=lang == "en")
        era = era_in(text.lower())
        if era == NEW_RELEASES and any(NEW.fullmatch(a) for a in found["artists"] + found["like_artists"]):
            era = None  # "songs by Brand New" names the band, not this year's releases
        # "less sad", "more chill": a comparative moves the sound; it does not also name the moment.
        # The raw text only for scripts folding would mangle (Hangul); Latin moments are written folded.
        raw = COMPARATIVE.sub(" ", text.lower()) if script else ""
        # A ruled-out occasion is not the moment either ("chill music, no christmas" is not wintry).
        moments = moments_in(without_words(COMPARATIVE.sub(" ", folded), found["exclude_occasions"]),
                             without_words(raw, found["exclude_occasions"]))
        moves = comparatives_in(folded, text.lower())
        songs = [self.index.row_of[t] for t in found["like_tracks"]]
        wanted = wanted_in(folded, moments)
        sound = self.sound(moments, moves, found["like_artists"] + found["artists"], wanted,
                           genre_target(found["missing_genres"], self.index), found["genres"], songs)
        if (tempo := bpm_in(folded)) is not None:  # a named tempo is exact, whatever the moments' usual one
            sound["tempo"] = tempo
        if lang != "en" and self.multilingual is not None:
            # A genre it names ("deutscher Rap") and the situation words (rain, café, night, gym) lead, the
            # moments read as the English words for them would be; the multilingual encoder adds the rest.
            named = [IntentTag(tag=g, weight=1.0) for g in found["genres"] if self.vocab.column(g) is not None]
            named += self._moment_tags(moments, sound.get("valence"))
            # Ranked without the names it reads ("Queen" is close to "q sexy"); a request that is only a name
            # ("クイーンの曲") asks for that artist, and the tags close to "songs" would be a guess.
            names = any(found[k] for k in ("artists", "like_artists", "like_tracks"))
            ranked = [] if names and not moments else [
                IntentTag(tag=t, weight=w) for t, w in self.multilingual.rank(rest)
                # once the situation is read, a genre close to the sentence is a guess ("indie poptimism" for
                # "musique douce pour le dîner")
                if not moments or self.vocab.categories[self.vocab.column(t)] in DESCRIBABLE]
            tags = _first_of_each(named + ranked)
            note = "multilingual" if tags or sound or any(found.values()) else "not_understood"  # クイーン: an artist
        else:
            blocked = {c for g in found["exclude_genres"] for c in self.constraints.columns_with_word(g)}
            if ruled_out := found["exclude_occasions"]:  # "winter, no christmas": no "christmas" tag either
                blocked |= {c for c, tag in enumerate(self.vocab.tags) if without_words(tag, ruled_out) != tag}
            said = fold(FALL_VERB.sub(" ", ERA_WORDS.sub(" ", COMPARATIVE.sub(" ", rest))))
            said = feelings_as_tags(SLOW_DANCE.sub(" love songs ", said))
            for genre in found["genres"]:  # the filter's alone when no tag names it: "city pop" read as Seattle
                if self.vocab.column(genre) is None:
                    said = re.sub(rf"\b{re.escape(genre)}\b", " ", said)
            tags = self.scorer.tags(said, blocked, valence=sound.get("valence"), asks=bool(wanted),
                                    energy=sound.get("energy"))
            if not tags and moments:  # no tag near the words, but a moment ("primer baile de boda", read as English)
                tags = self._moment_tags(moments, sound.get("valence"))
            note = ""
        # A named language or era is also what the playlist is about: it leads the tags.
        named = [t for t in (language, era and era_tag(era)) if t and self.vocab.column(t) is not None]
        tags = [IntentTag(tag=t, weight=1.0) for t in named] + [t for t in tags if t.tag not in named]
        tags = self._without_lacking(tags, found["missing_genres"], found["genres"])
        return Intent(tags=tags[:MAX_TAGS], **found, era=era, count=count_in(text.lower()), language=language, lang=lang,
                      note=note, sound=sound, moments=[m.name for m in moments], shifts=shifts_of(moves),
                      query=" ".join(w for w in COMPARATIVE.sub(" ", rest).split() if w != ",")[:300]
                      ).without_songless_artists(self.constraints.lookup.has_tracks)

    def sound(self, moments: list[Moment], moves: dict[str, float], artists: list[str],
              wanted: set[str] = frozenset(), lacking: dict[str, float] | None = None,  # type: ignore[assignment]
              genres: list[str] = (), songs: list[int] = ()) -> dict[str, float]:  # type: ignore[assignment]
        """The request's target sound: its moments' mean (what it asks for weighing most) over where the songs
        it names to sound like sit, or else the genres the catalog lacks (`lacking`); moved by its comparatives
        from where the named songs, else artists, else genres, else the moments sit ("metal, the heavier the
        better" starts from metal)."""
        song = self._space.profile(np.asarray(songs, dtype=int))
        target = {**(lacking or {}), **{d: round(song[d], 3) for d in SONG_DIMS if d in song},
                  **combine(moments, wanted)}
        if not moves:
            return target
        if songs:
            rows = np.asarray(songs, dtype=int)
        elif artists:
            rows = np.flatnonzero(np.isin(self._artist_rows, artists))
        elif genres:
            rows = np.flatnonzero(self.index.genres.carrying(genres))
        else:
            rows = np.array([], dtype=int)
        return move(target, self._space.profile(rows), moves)

    def _without_lacking(self, tags: list[IntentTag], lacking: list[str], named: list[str]) -> list[IntentTag]:
        """A genre the catalog lacks is not its head genre ("j-pop" asks for no pop in general; "smooth jazz"
        still names jazz, which the reader kept), and one no track carries at all is not ranked by its
        neighbours ("Anime Hits" opened with Jason Derulo, "often played beside anime music"); a handful of
        tracks that carry it still lead."""
        heads = {g.split()[-1] for g in lacking if " " in g} - set(named)
        return [t for t in tags if t.tag not in heads and not (
            t.tag in lacking and (col := self.vocab.column(t.tag)) is not None and not self._on_tracks[col])]

    def _moment_tags(self, moments: list[Moment], valence: float | None) -> list[IntentTag]:
        """The tags an English speaker naming the same moments gets: each moment's English words ("estudiar":
        study tunes, focus beats, instrumental) first, then what the tag scorer adds to them; taken in turn so
        each moment keeps its own ("tranquila" does not crowd out the study tags)."""
        # The words themselves lead: the scorer alone reads "focus" inside "focus beats" and then skips
        # "focus beats" as its near-synonym.
        per_moment = [[IntentTag(tag=t, weight=1.0) for t in m.tags if self.vocab.column(t) is not None]
                      + self.scorer.tags(" ".join(m.tags), valence=valence) for m in moments]
        return _first_of_each([t for turn in itertools.zip_longest(*per_moment) for t in turn if t is not None])

    uses_llm = False

    async def understand(self, text: str, llm: bool = True) -> Intent:
        """`parse`, off the event loop; a message read recently (with the same catalog) is not read again."""
        text, catalog = text[:MAX_CHARS], self.lookup.index
        if self._readings_of is not catalog:  # the catalog grew: names may read differently now
            self._readings.clear()
            self._readings_of = catalog
        if (known := self._readings.get(text)) is not None:
            self._readings.move_to_end(text)
            return known.model_copy(deep=True)  # the caller's to change
        intent = await asyncio.to_thread(self.parse, text)
        if self._readings_of is catalog:  # not if the catalog changed while it was read
            self._readings[text] = intent.model_copy(deep=True)
            if len(self._readings) > READINGS_KEPT:
                self._readings.popitem(last=False)
        return intent


def _first_of_each(tags: list[IntentTag]) -> list[IntentTag]:
    """Each tag once, where it first comes (its strongest reading: the lists are made strongest first)."""
    first: dict[str, IntentTag] = {}
    for tag in tags:
        first.setdefault(tag.tag, tag)
    return list(first.values())
