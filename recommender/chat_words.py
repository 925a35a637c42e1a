"""The words and patterns Chat2Tag reads requests with: stop words, negators, counts, decades, name cues."""

from __future__ import annotations

import re

from recommender.cues import ALIASES
from recommender.names import fold
from recommender.sound import COMPARATIVES

# The tag categories a request describes (moods and moments), rather than names.
DESCRIBABLE = frozenset({"mood", "situation", "season", "time_of_day"})
# Words of tags that rule each other out, as word -> what it names: a named winter brings no "summer" or "spring"
# by similarity ("winter playlist" read "winter, autumn, spring, summer"), Christmas no "halloween", a night no
# "morning", going to sleep no "wake up".
RIVALS: tuple[dict[str, str], ...] = (
    {"winter": "winter", "spring": "spring", "summer": "summer", "autumn": "autumn", "fall": "autumn"},
    {"christmas": "christmas", "xmas": "christmas", "halloween": "halloween", "valentines": "valentines"},
    {"morning": "morning", "night": "night", "tonight": "night", "evening": "evening", "afternoon": "afternoon"},
    {"sleep": "sleep", "sleepy": "sleep", "asleep": "sleep", "bedtime": "sleep", "wake": "wake", "waking": "wake"},
)
STOP = frozenset(
    "a an the i im i'm me my we our you your it its is am are was be been feel feeling felt some something "
    "music song songs track tracks playlist play give want need like for to of in on at and or but with "
    "just really very so please can could would make get some any this that today now bit kind sort "
    "vibe vibes mood while when what got gonna wanna about have has had do does put let lets stuff artist artists "
    "bands going through "
    # "music" and "songs" in the languages a short message is read as English in ("Musik wie Coldplay" read
    # "dance music, black music")
    "musik musique musica canciones cancion chansons chanson lieder lied canzoni wie comme como".split()
)
CLAUSE = re.compile(r"[,;.!?\n:—–()]+")
COUNT = re.compile(
    r"\b(?:top\s+(\d{1,3})|(\d{1,3}|a dozen|dozen|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty"
    r"|thirty|forty|fifty)\s+(?:\w+\s+){0,2}?(?:songs?|tracks?|tunes|bangers|jams|pieces|records|hits|anthems"
    r"|ballads|lieder|canciones|chansons|musicas|músicas|canzoni|песен)\b)|(\d{1,3})\s*곡")
NUMBER_WORDS = {"a dozen": 12, "dozen": 12, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                "seven": 7, "eight": 8, "nine": 9, "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30,
                "forty": 40, "fifty": 50}
DECADE = re.compile(r"\b((?:19|20)?\d0 ?'? ?s)\b|(\d0)(?:년대|年代)|\b(?:annees|anos|jahre|los|les) ((?:19|20)?\d0)\b|\b(\d0)(?:er|ern|er jahre)\b")
ERA_WORDS = re.compile(r"\b(?:early|mid|late)(?= (?:19|20)?\d0 ?s\b)")  # not a morning or a night
FALL_VERB = re.compile(r"\bfall(?:ing)?(?= (?:asleep|in love|for\b|apart))")  # not the season
# A first or slow dance is a love song, not dance music ("songs for my wedding first dance" read "dance, danceable").
SLOW_DANCE = re.compile(r"\b(?:(?:wedding|our|my) )?(?:first|slow) danc(?:e|es|ing)\b")
# Everyday feelings and occasions the tag vocabulary has no word for, said in words it has ("feeling homesick"
# found no tag; "hungover" read as "drinking, beer"; "just got promoted" found nothing).
FEELINGS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bhome ?sick\w*|\bmiss(?:ing)? (?:home|my (?:family|friends|hometown|home|mom|mum|dad|parents))\b"),
     " nostalgic memories "),
    (re.compile(r"\bhung ?over\b|\bhangover\b"), " calm mellow "),
    (re.compile(r"\bpromot(?:ed|ion)\b|\bgraduat\w*|\bgood news\b|\bgot the job\b|\bcelebrat\w*|\bpassed (?:my|the) \w+"),
     " happy party "),
    (re.compile(r"\bgrateful\b|\bthankful\b|\bblessed\b"), " happy uplifting "),
    # A dinner or cocktail party is an evening at the table, not a dance floor ("dinner party" read "party,
    # 80s party").
    (re.compile(r"\b(?:hosting (?:a )?)?(?:dinner|cocktail|tea) part(?:y|ies)\b|\bhosting (?:a )?dinner\b"),
     " dinner lounge "),
    (re.compile(r"\b(?:bon|camp) ?fires?\b"), " acoustic sing along "),  # "campfire" read as the tag "camp"
    (re.compile(r"\basleep\b"), " sleep "),  # "music to fall asleep to" read "morning" beside the sleep tags
    (re.compile(r"\brough (?:patch|time|week|month|year)s?\b|\bhard times?\b|\btough (?:time|week|month|year)s?\b"),
     " bad day uplifting "),
)
YEAR = re.compile(r"\b(19[4-9]\d|20[0-2]\d)\b(?!\s*(?:km|miles|people|times|songs))")
DECADE_WORDS = {"fifties": "50s", "sixties": "60s", "seventies": "70s", "eighties": "80s", "nineties": "90s",
                "noughties": "00s", "two thousands": "00s"}
NEW = re.compile(r"\b(?:brand new|new releases?|newest|latest (?:releases?|songs|tracks|music|hits|stuff)"
                 r"|fresh releases?|just (?:came out|released|dropped)|released this year|new (?:songs|tracks|music) only)\b")
OLD_SCHOOL = "80s-90s"  # "old school r&b", unless a decade is named ("old school 70s soul")
NEGATORS = frozenset({"no", "not", "without", "except", "skip", "minus", "nor", "hate", "nothing", "never", "avoid",
                      "arent", "isnt", "dont", "doesnt", "wasnt", "none", "non",
                      "pas", "sin", "menos", "ohne", "kein", "keine", "sem", "senza", "без"})
SCOPE_STOP = frozenset("for but just only i im it we to while when like something i m need want so please".split())
LIKE_BEFORE = frozenset("like similar sounds sound style fan fans love into reminds likes vibe vibes como comme wie".split())
LIKE_AFTER = frozenset("vibes vibe ish type style esque inspired sounding similar".split())
ONLY_BEFORE = frozenset("only just by play some from more de von di".split())
# Hangul as `fold` leaves it (decomposed): "BTS 노래" is BTS's songs.
ONLY_AFTER = frozenset(fold(w) for w in "songs song tracks only music hits classics tribute essentials deep 노래 노래들 곡 음악".split())
LIST = frozenset({"and", "or", "nor", "plus", "n"})
CONTRACTION = re.compile(r"\b(are|is|do|does|was)n t\b")
# Everyday phrases that some band took as its name: an artist only where the sentence says so.
EVERYDAY_NAMES = frozenset({"brand new", "the weekend", "good times", "new order", "the kills"})
# Days, months and times of day: "cooking dinner on a friday night" is no request for the band On a Friday.
CALENDAR = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday weekend weekends weekday weekdays today tonight "
    "tomorrow yesterday morning afternoon evening night january february march april may june july august "
    "september october november december".split()
)
ALPHANUMERIC_NAME = re.compile(r"(?=.*[a-z])(?=.*\d)[a-z\d]{3,}")
# In other languages a name that opens with an article or preposition is more likely the sentence ("de la soul").
FUNCTION_WORDS = frozenset("de la le el los las les des du del der die das den il lo".split())
# A comparative says which way to move, not a tag to add ("happier" is not "happy, miserable").
COMPARATIVE = re.compile(r"(?<![a-z])(?:" + "|".join(w for w, _, _ in COMPARATIVES) + r")(?![a-z])")
ALIAS = re.compile(r"\b(?:" + "|".join(re.escape(a) for a in sorted(ALIASES, key=len, reverse=True)) + r")\b")


MUSIK = re.compile(r"\b([a-z]{3,})musik\b")  # German compounds: "Rockmusik" is rock music


def feelings_as_tags(said: str) -> str:
    for pattern, words in FEELINGS:
        said = pattern.sub(words, said)
    return said


def alias(folded: str) -> str:
    return MUSIK.sub(r"\1 musik", ALIAS.sub(lambda m: ALIASES[m.group(0)], folded))


KO_NOT = ("말고", "빼고", "없이", "제외")  # "힙합 말고": not hip hop
JA_NOT = ("以外", "じゃない", "抜き", "なし", "なしで")  # "ラップ以外": anything but rap
