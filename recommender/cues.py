"""How people ask for music, mapped to the kinds of tags a DJ would reach for.

Listener tags name moods in their own words ("breakup music", "work out music");
chat messages describe a moment ("just got dumped", "pumping iron"). An embedding
alone bridges that badly, so the common moments get explicit cues. Each cue names
candidate tags in order of preference; candidates missing from a catalog's
vocabulary are skipped, so the table works for any vocabulary.
"""

from __future__ import annotations

import re

# "karaoke night" or "game night" is an evening out, not the mood of the night.
NOT_THE_NIGHT = (r"(?<!karaoke )(?<!game )(?<!quiz )(?<!movie )(?<!girls )(?<!date )"  # a night out is a party:
                 r"(?<!disco )(?<!dance )(?<!club )(?<!salsa )")
SING_ALONG = r"sing ?alongs?|sing-alongs?|karaoke|sing (?:at the top of|along|loud)\w*"
DATE = r"date night|(?:first|second|third|dinner|a|on a|our) dates?"  # not "up to date"
# A flight or a long train ride is passed resting, not like a commute or a road trip.
FLYING = r"flights?|flying|plane|airplane|aeroplane|airport|layover|jet ?lag|train ride|bus ride"

# A day off reads restful, unless the message is busy with something that sets a lively sound ("sunday chores,
# need energy" read "relaxing, just chillin").
RESTFUL = r"sunday|weekend|saturday(?! night)|day off|lazy day"

# (pattern on folded text, candidate tags). Patterns match whole words.
CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    # feelings
    (r"dumped|break ?up|broke up|broken heart|heart ?broken|heartbreak|my ex|getting over|left me|cheated",
     ("breakup music", "breakup songs", "getting over him", "sad", "music to cry")),
    (r"scream|angry|anger|furious|rage|raging|pissed|mad at|hate (?:everyone|everything|this|my)|so done|fuming",
     ("angry", "aggressive", "fierce", "defiant", "powerful")),
    # Being alone is sad only when it is felt ("so alone"): a drive, a walk or a night in alone is not.
    (r"sad|feel(?:ing)? (?:\w+ )?down|so down|really down|feeling blue|depressed|depressing|unhappy|miserable|"
     r"gloomy|lonely|(?:feel(?:ing|s)?|so|all|very|completely|totally|left|i m) alone|crying|cry|tears|grief|grieving",
     ("sad", "melancholy", "miserable", "cry", "depressing")),
    (r"happy|joy|joyful|good mood|great mood|cheerful|glad|excited|stoked|feel good|feeling good|great day",
     ("happy", "feelgood", "songs to feel happy to", "upbeat", "fun")),
    (r"nostalgi\w*|memories|remember when|childhood|throwback|old times|reminisc\w*",
     ("nostalgic", "memories", "nostalgia", "childhood memories")),
    (r"love|in love|crush|romance|romantic|" + DATE + r"|valentine\w*|anniversary|my (?:girlfriend|boyfriend|wife|husband)",
     ("romantic", "love songs", "love", "inlove")),
    (r"anxious|anxiety|stressed|stress|nervous|overwhelmed|panic\w*",
     ("calming", "soothing", "calm", "peaceful")),
    (r"calm|relax\w*|unwind|chill|chilling|chillin|laid back|lazy|mellow|cozy|cosy",
     ("chillout", "relaxing", "mellow", "just chillin")),
    (r"hope|hopeful|motivat\w*|inspir\w*|uplift\w*|lifts? (?:me|us) up|confident|confidence|new start|fresh start",
     ("inspirational", "uplifting", "hope", "inspiring")),
    (r"bored|boring|meh|nothing to do", ("fun", "catchy", "upbeat")),
    (r"hyped|hype|pumped|energy|energetic|adrenaline|fired up",
     ("energetic", "hyper", "powerful", "exhilarating")),
    (r"sexy|sensual|seduct\w*|bedroom|steamy", ("sexy", "sensual", "erotic")),
    (r"slow jams?|slow songs|ballads?", ("love songs", "ballad", "sexy", "romantic")),
    (r"dark|creepy|spooky|scary|eerie|haunt\w*", ("dark", "haunting", "eerie", "atmospheric")),
    (r"dream\w*|floaty|ethereal", ("dreamy", "dreamlike", "atmospheric")),
    # activities and places
    (r"gym|work ?out|workout|pumping iron|lifting|weights|training|cardio|crossfit|exercis\w*|fitness|hiit",
     ("work out music", "energetic", "powerful", "hyper")),
    (r"run|running|jog|jogging|sprint\w*|marathon", ("energetic", "work out music", "fast", "upbeat")),
    (r"study|studying|homework|exam|exams|finals|midterms?|cramming|revision|focus|concentrat\w*|reading|read|"
     r"coding|programming",
     ("study tunes", "focus beats", "instrumental", "calm", "background music")),
    (r"work(?! ?out)|working(?! ?out)|office|at my desk|deadline", ("for work", "at work", "focus beats", "background music")),
    (r"drive|driving|road ?trip|car ride|on the road|highway|cruising",
     ("driving", "driving music", "road trip", "drive", "driving songs")),
    (r"night drive|driving at night|late night drive", ("smooth night driving", "late night tunes")),
    (r"party|partying|pregame|pre game|club|clubbing|rave|house party|celebrat\w*|birthday|new years?(?: s)?(?: eve)?|nye|champagne|"
     r"night out|go(?:ing)? out tonight|ready to go out|(?:friday|saturday) night(?! in)",
     ("party", "dance party", "party time", "danceable")),
    (r"dance|dancing", ("dance", "danceable", "makes me wanna dance", "let s dance")),
    (r"sleep|sleeping|asleep|bedtime|insomnia|can t sleep|fall asleep|lullaby",
     ("sleep", "sleep music", "sleepy time", "calm", "peaceful")),
    (r"wake up|waking up|woke up|get up", ("wake up", "wake up song", "morning")),
    (r"cook\w*|dinner|kitchen|baking", ("food", "coffeeshop", "mellow", "lounge")),
    (r"coffee|cafe|brunch|breakfast", ("coffeeshop", "morning", "mellow")),
    (r"drink\w*|beer|bar|pub", ("drinking", "drinking songs", "beer")),
    (r"wine|cocktail\w*|martini\w*", ("lounge", "mellow", "chillout")),  # a glass of wine is no pub crawl
    (r"beach|surf\w*|ocean|seaside|pool ?party|vacation|holiday trip",
     ("beach music", "beach", "surf", "summer")),
    # "transport" is a few listeners' commute tag (Soft Cell, Yello, "The Passenger"), not a flight's.
    (FLYING, ("travel", "relaxing", "mellow")),
    (r"travel\w*|trip(?! ?hop)|commut\w*|bus", ("travel", "transport", "road trip")),
    (r"clean\w*|chores|tidy\w*|laundry", ("music for tossing furniture around", "upbeat", "fun")),
    (r"meditat\w*|yoga|mindful\w*|breath\w*", ("meditative", "peaceful", "calm", "relaxing")),
    (r"paint\w*|draw\w*|sketch\w*|knit\w*|crafting|creative|making art", ("chillout", "mellow", "dreamy", "instrumental")),
    (r"bbq|barbecue|cookout|grill\w*|picnic", ("summer", "feelgood", "fun", "happy")),
    (r"walk|walking|stroll", ("quiet walk", "mellow")),
    (r"hik\w*|trek\w*|trail", ("uplifting", "indie folk", "folk", "road trip")),  # a climb, not a quiet walk
    (r"kids|children|childrens|toddlers?|little ones", ("disney", "happy", "feelgood")),
    (r"sex|hook ?up", ("sex", "sexy", "sensual")),
    (r"friends|squad|crew|besties", ("friends", "friendship", "fun")),
    (SING_ALONG, ("sing along", "to sing", "singalong")),
    # the party is its own cue
    (r"wedding(?! reception| party| dance ?floor)|bride|groom", ("love songs", "romantic", "love")),
    (r"wedding (?:reception|party|dance ?floor)", ("dance party", "party", "feel good")),
    (r"game|gaming|gamer", ("energetic", "epic")),
    # weather
    (r"rain|rainy|raining|drizzl\w*|downpour|storm|stormy|thunder\w*|grey|gray|cloudy|overcast",
     ("rainy day", "rain", "melancholy", "atmospheric")),
    (r"snow|snowy|snowing|cold|freezing|frost\w*|blizzard", ("winter", "calm", "christmas")),
    (r"sun|sunny|sunshine|heat|heatwave|hot day|warm", ("summer", "happy", "summer song")),
    (r"fog|foggy|mist|misty|haze", ("atmospheric", "dreamy", "haunting")),
    # times
    (r"morning|sunrise|dawn|early", ("morning", "wake up", "coffeeshop")),
    (r"evening|sunset|dusk|golden hour", ("twilight", "mellow", "chillout")),
    # "tonight" is when, not how; a friday night is out unless it is in
    (NOT_THE_NIGHT + r"(?<!friday )(?<!saturday )night(?! out)|(?:friday|saturday) night in|late|midnight|3am|2am|1am|"
     r"after hours|nighttime",
     ("late night tunes", "atmospheric")),
    (RESTFUL, ("relaxing", "just chillin", "mellow")),
    # seasons and holidays
    (r"summer|summertime", ("summer", "summer time", "summer song")),
    (r"winter|wintery|wintry", ("winter", "christmas", "mellow", "melancholic", "acoustic")),
    (r"autumn|fall(?! asleep| in love| for)|fall season", ("autumn", "melancholic")),
    (r"spring|springtime|blossom\w*", ("spring", "happy")),
    (r"christmas|xmas|holidays|festive|santa", ("christmas", "xmas", "holiday")),
    (r"halloween|spooky season", ("halloween", "dark", "haunting")),
)

_COMPILED = tuple((re.compile(rf"\b(?:{p})\b"), tags, p == RESTFUL) for p, tags in CUES)


# "Friday night" is a night out unless the message spends it in: "quiet friday night at home" and "staying in on
# a saturday night" read as a party and played David Guetta.
_WEEKEND_NIGHT = re.compile(r"\b(?:friday|saturday) night\b")
# Staying in, said as such: not "stay in shape", "a night in the club" or "one night in Bangkok".
NIGHT_IN = (r"stay(?:ing)? (?:in|home)(?= *$| *[,.!?]| (?:tonight|on|with|and|alone|for))|"
            r"night in(?= *$| *[,.!?]| (?:with|on|and|alone|tonight))")
_STAYING_IN = re.compile(rf"\b(?:at home|home alone|{NIGHT_IN}|quiet|cozy|cosy|on the (?:couch|sofa)|in bed)\b")


def weekend_night_in(text: str) -> str:
    """The message with its "friday night" said as a plain weekend night when the night is spent in."""
    return _WEEKEND_NIGHT.sub("weekend night", text) if _STAYING_IN.search(text) else text


def cue_candidates(folded: str, busy: bool = False) -> list[tuple[int, tuple[str, ...]]]:
    """(where in the message, for ordering, candidate tags) for each cue the message contains; `busy`: the
    message's sound is lively, and a day off is only its setting."""
    folded = weekend_night_in(folded)
    out: list[tuple[int, tuple[str, ...]]] = []
    for pattern, tags, restful in _COMPILED:
        match = None if busy and restful else pattern.search(folded)
        if match:
            out.append((match.start(), tags))
    return sorted(out, key=lambda p: p[0])


def without_cues(folded: str) -> str:
    """The message with every word a cue reads blanked out (read as `cue_candidates` reads it)."""
    folded = weekend_night_in(folded)
    for pattern, _, _ in _COMPILED:
        folded = pattern.sub(lambda m: " " * len(m.group(0)), folded)
    return folded


# Messages that talk to the bot rather than ask for music.
SMALL_TALK: tuple[tuple[str, str], ...] = (
    (r"^(?:hi|hello|hey|yo|hiya|howdy|sup|good (?:morning|evening|afternoon)|안녕\w*|hola|bonjour|salut|hallo"
     r"|ciao|ola|olá|привет|こんにちは)\b[\s!.,?]*(?:there|bot|suggestify|que tal|qué tal|ça va)?[\s!.,?]*$", "greeting"),
    (r"\bwho (?:are|r) (?:you|u)\b|\bwhat (?:are|r) (?:you|u)\b|\byour name\b|\bare you (?:a )?(?:bot|human|real|alive)\b"
     r"|\bwho (?:made|built|created|programmed) (?:you|u)\b|\bdo you have feelings\b", "who"),
    (r"\bwhat can (?:you|u) do\b|\bhow (?:does this|do you|do i use) (?:work|this)?\b|\bhelp me use\b"
     r"|\bhow (?:do|can|should) i (?:save|use|connect|export|share|remove|change)\b", "what"),
    (r"^(?:thanks|thank you|thx|ty|cheers|great thanks|awesome thanks|nice one|고마워\w*|감사\w*|merci|gracias"
     r"|danke|grazie|obrigad\w*|спасибо|ありがとう\w*)\b(?!.*\b(?:but|more|another|now|can you)\b)", "thanks"),
    (r"\bhow (?:are|r) (?:you|u)\b|\bhow s it going\b|\bwhat s up\b", "how"),
    (r"^(?:(?:ok|okay|k|cool|nice|lol|lmao|haha\w*|great|bye|goodbye|see you|cya|good night|gn|talk|to you|later"
     r"|tomorrow|soon)[\s!.,]*)+$", "ack"),
    (r"\bweather (?:today|tomorrow|like)\b|\bwhat time is it\b|\bwhat day is it\b|\btell me a joke\b"
     r"|\bwho won\b|\bcapital of\b|\bwhat is \d|\bhelp me with (?:my )?(?:math|homework|essay|taxes)\b", "off_topic"),
)
SMALL_TALK_COMPILED = tuple((re.compile(p), kind) for p, kind in SMALL_TALK)
# Words that make a message a music request even when it also greets or thanks.
MUSIC_WORDS = re.compile(
    r"\b(?:play|playlist|song|songs|track|tracks|music|tunes|mix|vibes?|listen\w*|something|anything|recommend\w*"
    r"|suggest\w*|give me|put on|bangers?|beats?|jams?)\b"
)
# Spellings the vocabulary writes differently, and the music-language words of other languages.
ALIASES = {
    "lofi hip hop": "chillhop", "lo-fi hip hop": "chillhop", "lo fi hip hop": "chillhop", "lofi": "lo fi", "lo-fi": "lo fi", "kpop": "k pop", "k-pop": "k pop", "jpop": "j pop", "j-pop": "j pop",
    "hiphop": "hip hop", "r and b": "rnb", "rap music": "rap", "edm music": "edm", "reggaeton": "reggaeton",
    "reguetón": "reggaeton", "reguet n": "reggaeton", "afrobeats": "afrobeat", "afro beats": "afrobeat",
}
LANGUAGE_WORDS = {
    "케이팝": "k pop", "가요": "korean", "한국": "korean", "español": "spanish", "espanol": "spanish",
    "deutscher": "deutsch", "deutsche": "deutsch", "deutsch": "deutsch", "brasileira": "brazilian music",
    "brasileiro": "brazilian music", "italiane": "italian", "italiana": "italian", "italiani": "italian",
    "русском": "russian", "русские": "russian", "русская": "russian", "j pop": "j pop", "k pop": "k pop",
    "korean": "korean", "japanese": "japanese music", "spanish": "spanish", "italian": "italian",
    "russian": "russian", "german": "deutsch", "brazilian": "brazilian music", "latin": "latin",
    "latino": "latin", "turkish": "turkish", "polish": "polish", "greek": "greek", "chinese": "chinese",
    "arabic": "arabic", "portuguese": "portuguese", "dutch": "dutch",
}
# Genre names in scripts the English genre reader cannot see (matched on the raw lower-case text).
GENRE_WORDS = {
    "힙합": "hip hop", "랩": "rap", "록": "rock", "락": "rock", "재즈": "jazz", "알앤비": "rnb", "댄스": "dance",
    "일렉트로닉": "electronic", "팝": "pop", "메탈": "metal", "레게톤": "reggaeton", "발라드": "ballad",
    "シティポップ": "city pop", "ヒップホップ": "hip hop", "ラップ": "rap", "ロック": "rock", "ジャズ": "jazz", "ポップ": "pop",
    "メタル": "metal", "テクノ": "techno", "ハウス": "house", "レゲトン": "reggaeton", "バラード": "ballad",
}
# Phrases where a genre word does not name a genre ("cleaning the house", "rock the baby to sleep").
NOT_A_GENRE = re.compile(
    r"\bhouse ?(?:party|warming|music party)\b|\b(?:the|this|across|whole|my|our|your|a) (?:country|house)\b|\b(?:winter|monday|sunday|morning|holiday|january|post holiday) blues\b"
    r"|\btropical vibes\b|\bpop (?:in|by|over|up)\b|\bmetal (?:detector|band t)"
    r"|\bpop (?:the|a|some|open) (?:champagne|cork|bottle|question|balloons?|corn)\b"
    r"|\brock(?:ing)? (?:the|my|a|our|your) (?:baby|babies|cradle|boat)\b")
# ... where it still says the mood ("winter blues" is a low mood, "tropical vibes" a sunny one): kept as a word
STILL_A_MOOD = frozenset({"blues", "tropical"})

# Emoji say moods too ("🌧️☕" is a rainy morning with coffee): read them as words.
EMOJI = {
    "🌧": "rain", "☔": "rain", "⛈": "storm", "🌦": "rain", "☕": "coffee", "🍵": "coffee", "🔥": "hype",
    "💔": "heartbreak", "😢": "sad", "😭": "crying", "😞": "sad", "😔": "sad", "🥺": "sad", "😡": "angry",
    "🤬": "angry", "😠": "angry", "🎉": "party", "🥳": "party", "🍾": "party", "💃": "dance", "🕺": "dance",
    "💪": "workout", "🏋": "workout", "🏃": "running", "☀": "sunny", "🌞": "sunny", "😎": "sunny",
    "🏖": "beach", "🌊": "beach", "❄": "snow", "⛄": "snow", "☃": "snow", "🌙": "night", "🌃": "night",
    "🌌": "night", "😴": "sleep", "💤": "sleep", "🛌": "sleep", "🚗": "drive", "🚙": "drive", "🛣": "road trip",
    "❤": "love", "😍": "love", "🥰": "love", "💕": "love", "😘": "love", "🎄": "christmas", "🎅": "christmas",
    "🎃": "halloween", "👻": "halloween", "📚": "study", "📖": "reading", "💻": "work", "🧘": "meditation",
    "😌": "relax", "🛀": "relax", "🍷": "wine", "🍺": "beer", "🍻": "beer", "😊": "happy", "😀": "happy",
    "😁": "happy", "🙂": "happy", "🌅": "sunrise", "🌇": "sunset", "🍂": "autumn", "🍁": "autumn",
    "🌸": "spring", "🌷": "spring", "🤘": "metal", "🎸": "rock", "🎷": "jazz", "🎹": "piano", "🎻": "classical",
    "😤": "pumped", "⚡": "energy", "🤯": "hype", "😰": "anxious", "😱": "scary", "🥱": "bored", "🫠": "hot day",
}


def emoji_as_words(text: str) -> str:
    """Each known emoji becomes its word, so cues and embeddings can read it."""
    if text.isascii():
        return text
    return "".join(f" {EMOJI[ch]} " if ch in EMOJI else ch for ch in text)
