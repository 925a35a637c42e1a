"""What a request should sound like: targets in audio-feature and valence–arousal space.

Moods, activities and moments ("focus", "gym", "rainy", "heartbroken") each name a point in the space of
Spotify's audio features (energy, valence, danceability, acousticness, instrumentalness, speechiness,
tempo); Deezer's valence and arousal follow valence and energy. One dimension is read from the artist's genres
instead: heaviness (metal, punk, hardcore, grunge…), since no audio feature tells a screamed chorus over
distorted guitars from a loud EDM drop (both are high-energy, low-valence). Several moments average. A comparative
("happier", "calmer") moves the point from where the request already is (the artists it names, or the
moments) instead of adding the opposite tag. Words are matched in English, Korean, Japanese, Spanish,
French and German, so a request in any of them keeps its situation.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from recommender.cues import DATE, FLYING, NIGHT_IN, NOT_THE_NIGHT, SING_ALONG, weekend_night_in
from recommender.datasets import AUDIO_COLUMNS
from recommender.genre_names import is_compound
from recommender.names import without_featured
from recommender.occasions import REQUEST_WORDS

if TYPE_CHECKING:
    from recommender.index import CatalogIndex

AUDIO_DIMS = ("energy", "valence", "danceability", "acousticness", "instrumentalness", "speechiness", "tempo")
DIMS = (*AUDIO_DIMS, "heavy", "familiar")  # familiar: how well known the song is (`familiarity`), in [0, 1]
# Not a dimension but a rule the target carries: "vocals": 0 for "no lyrics" (the text signals never see those
# words, so the recommender cannot read them again), and any song likely sung steps back.
VOCALS = "vocals"
TARGET_KEYS = (*DIMS, VOCALS)
# Spotify genres that sound heavy, as words of a genre name ("alternative metal", "pop punk", "post-grunge").
HEAVY_GENRES = ("metal", "punk", "hardcore", "grunge", "hard rock", "industrial", "screamo", "metalcore", "deathcore")
# Compounds of those that are not heavy: post-punk and dance-punk are wiry and danceable (The Psychedelic Furs' "Love
# My Way" was called heavy and played for "heavy lifting"), hardcore hip hop is rap, happy hardcore is rave.
LIGHT_COMPOUNDS = ("post punk", "dance punk", "protopunk", "art punk", "acoustic punk", "hardcore hip hop",
                   "happy hardcore", "hardcore techno")
UNKNOWN_HEAVY = 0.5  # an artist without Spotify genres: neither heavy nor not
# Quiet moments, where a heavy band steps back: its mid-tempo song sounds calm enough by its features (Led
# Zeppelin's "Kashmir" at a Sunday breakfast).
QUIET = frozenset({"sleep", "calm", "meditation", "morning", "cooking"})
VA_WEIGHT = 0.5  # Deezer-style valence and arousal count half beside Spotify's own valence and energy
TEMPO_SCALE = 200.0  # BPM to [0, 1]
STEP = 0.25  # how far one comparative moves a dimension
# Where a dimension starts when nothing in the request places it: most songs are sung, not rapped ("less rap" from
# the middle of the scale, 0.5, aimed at rap's own speechiness).
UNMOVED = {"speechiness": 0.1}
# Spotify calls 0.5 likely instrumental, but reverb-heavy vocals score 0.5-0.8 ("Just Like Honey" 0.62): a reason
# says "instrumental" only where a listener would agree (Tycho 0.9); Jon Hopkins (0.77) goes unsaid, not mis-said.
SAID_INSTRUMENTAL = 0.85
SUNG_BELOW = 0.5  # Spotify's own line: below it a track likely has vocals
# How much nearer a track about the moment (its title names it, or its artist plays a genre made for it) counts,
# in the fit's units (a mean absolute distance per dimension beyond the tolerances below; for a workout, 43 tracks
# sit at 0 and about 1,400 within 0.02): enough to lead among songs that sound right, not to bring one that does not.
MOMENT_PULL = 0.03
# A title that swears or says sex or drugs, for a clean moment ("yoga and stretching" opened with D'Angelo's "Shit,
# Damn, Motherfucker"; a first dance held Rihanna's "Sex With Me"; a kids' party "Intoxicated" and "I Took A Pill In
# Ibiza"): ruled out (`SoundSpace.ruled_out`), it never makes the list.
EXPLICIT = re.compile(r"\b(?:f+u+c*k\w*|f\*+k\w*|motherf\w*|shit\w*|sh\*t|bullshit|bitch\w*|puss(?:y|ies)|nigga\w*|"
                      r"hoes?|whores?|cunt\w*|asshole\w*|sex|sexy|sexual\w*|intoxicat\w*|drunk|pills?|cocaine|weed|"
                      r"molly|stoned)\b", re.IGNORECASE)
# Within this much of the target on a dimension a track sounds as right as one exactly on it, so that among the
# tracks that all sound right the tags, the words, the listener's taste and the songs about the moment decide. An
# exact point let the catalog's most average songs lead every calm request ("Happy Together", Orleans' "Dance
# with Me" and "Tainted Love" on a slow dance, a cozy fall evening and a romantic dinner alike).
SOUND_TOLERANCE = 0.1
TEMPO_TOLERANCE = 5 / TEMPO_SCALE  # 5 BPM: a runner's cadence is exact


@dataclass(frozen=True)
class Moment:
    name: str  # what the reason says ("focus")
    words: str  # regex alternatives, matched on folded text (stems allowed) and on the raw lower-case text
    target: Mapping[str, float]
    tags: tuple[str, ...] = ()  # what an English speaker calls the moment, read for a message in another language
    # Song titles about the moment, a soft pull (`MOMENT_PULL`): a rainy day holds "You Look Like Rain" and "It's
    # Raining", not only songs that sound rainy (the catalog's tags rarely say rain, summer or winter).
    titles: str = ""
    # Spotify genres made for the moment, the same pull: what makes music dreamy is reverb and haze, which no
    # audio feature measures, and dream pop has it.
    genres: tuple[str, ...] = ()
    clean: bool = False  # for children, a wedding, a yoga class: no song whose title is explicit
    wordless: bool = False  # "no lyrics": a song someone sings in reads wrong at once, however calm
    # Moments whose songs read wrong here, by title or by their listeners' tags (a breakup song at a wedding), unless
    # the request asks for any of them too ("sad love songs").
    against: tuple[str, ...] = ()


# Barely a track is tagged wintry or autumnal: what people play in the cold months is folk by the fire ("winter
# playlist" gave Mary J. Blige and Ari Lennox: mellow, acoustic enough, nothing wintry about them).
FIRESIDE = ("indie folk", "chamber pop", "folk", "melancholia", "new americana")
# Reading and studying sounded right but sang: D'Angelo and Jill Scott (Spotify calls reverb-heavy vocals 0.6
# instrumental) led "something calm for reading" over the lo-fi beats made for it.
STUDY = ("lo fi beats", "focus beats", "chillhop", "compositional ambient", "background jazz", "neo classical")
# A romantic dinner is quiet-storm soul and standards, not whatever is mid-tempo and warm ("Tainted Love").
CANDLELIGHT = ("quiet storm", "adult standards", "vocal jazz", "lovers rock", "classic soul", "smooth soul")
# Cooking and dinner sit mid-way on every dimension, where any mid-tempo song is as close as another ("cooking
# dinner" gave "Hotel California" and "I Knew You Were Trouble"): what plays at dinner is soul and jazz.
# Not "adult standards": beside Ella Fitzgerald and Sam Cooke it holds Chicago, Air Supply and Linda Ronstadt, whose
# "You're No Good" led "dinner party" and "sunday brunch".
SUPPER_CLUB = ("classic soul", "motown", "vocal jazz", "jazz funk", "nu jazz", "smooth soul", "soul jazz",
               "latin jazz", "lounge")
# Around a campfire people sing what everyone knows to one guitar: folk and folk pop ("songs for a bonfire" gave
# Konteks' "Ballads for Backgrounds" and a Camel instrumental: acoustic enough, known by nobody).
CAMPFIRE = ("folk", "folk rock", "folk pop", "stomp and holler", "neo mellow")
# A hike climbs: folk with a stomp and a chorus, not a quiet walk ("hiking in the mountains" read chill and gave
# Ice Cube's "Why We Thugs" and "Regulate").
TRAIL = ("stomp and holler", "indie folk", "folk rock", "modern folk rock", "folk pop", "new americana")
# Played on a piano: "relaxing piano" opened with D'Angelo's "Shit, Damn, Motherfucker" (calm, and tagged relaxing)
# over Bill Evans and Ryuichi Sakamoto; so a piano request is also a clean one.
KEYS = ("jazz piano", "modern jazz piano", "new age piano", "piano blues", "compositional ambient", "neo classical",
        "japanese contemporary classical")
# What children sing along to: Disney and musicals ("kids birthday party" gave "Intoxicated" and "Poker Face").
SINGALONG_KIDS = ("disney", "kids dance party", "show tunes", "hollywood")
# Golden hour is warm and unhurried: chillwave and yacht rock, songs about the sundown ("golden hour" read only as
# the tags twilight and mellow, and played "Midnight", "Midnight City" and "Late Night Rendezvous").
GOLDEN_HOUR = ("chillwave", "yacht rock", "vapor soul", "nu disco", "balearic", "dream pop")
# A festival's main stage, what people travel for.
MAIN_STAGE = ("big room", "progressive electro house", "progressive house", "dutch house", "electro house", "trance")
# Lifting is pushed by hard rap and metal, at any tempo ("heavy lifting" played Real Life's "Send Me An Angel" and
# Taio Cruz at 126 BPM, the runner's target, and left "Till I Collapse" far below).
IRON = ("hardcore hip hop", "gangster rap", "rap metal", "nu metal", "alternative metal", "hard rock", "metal")
# What gym playlists are made of, by title: songs that say fight, win and never stop.
PUMP_UP = (r"stronger|unstoppable|champions?|fighter|warriors?|fight song|the power|till i collapse|lose yourself|"
           r"eye of the tiger|remember the name|hall of fame|can'?t hold us|survivor|titanium|thunderstruck|"
           r"work ?out|pump it|pump up|beast|go hard|undefeated|victory|legends? never die|no limit")

# A love song for a wedding or a date is one that stays ("first dance at our wedding" played "Ain't No Sunshine",
# "Vuelve" and "Didn't We Almost Have It All": tagged love by their listeners, and sad or miserable too).
HEARTBREAK = ("sad", "breakup")
OPPOSED_TAG_WEIGHT = 0.2  # a tag this heavy on a track is its listeners' word for it, not a stray one

# Each target is where a music supervisor would put a typical fitting track; tempo in BPM.
MOMENTS: tuple[Moment, ...] = (
    Moment("focus", r"focus\w*|concentrat\w*|study\w*|studying|homework|exam\w*|finals|midterms?|cramming|reading|"
           r"coding|deep work|(?:finish|finishing|do|doing|get through|catch up on) (?:my |some |this |the )?"
           r"(?:work|essay|paper|thesis|report|assignment|taxes)s?|get(?:ting)? (?:stuff|things|work) done|"
           r"productiv\w*|공부|집중|"
           r"勉強|集中|作業|読書|독서|책 ?읽\w*|estudi\w*|concentr\w*|etudi\w*|reviser|lernen|konzentr\w*|"
           r"hausaufgaben|lire|(?<!liste de )lecture(?! aleatoire)|leer|lectura|lesen|working|while i work|"
           r"at work|travailler|trabajar|trabajando|arbeiten|仕事中|일할 ?때",
           {"energy": 0.3, "instrumentalness": 0.6, "speechiness": 0.04, "acousticness": 0.6, "valence": 0.35},
           ("study tunes", "focus beats", "instrumental"), genres=STUDY),
    Moment("sleep", r"sleep\w*|bed ?time|asleep|insomnia|lullab\w*|nap|naps|napping|siesta|잠|자기 ?전|수면|寝|眠|睡眠|dormir|"
           r"sommeil|schlaf\w*|einschlafen",
           {"energy": 0.15, "acousticness": 0.85, "tempo": 80, "instrumentalness": 0.5, "danceability": 0.35},
           ("sleep", "relaxing", "ambient"), clean=True),
    Moment("calm", r"calm\w*|chill\w*|relax\w*|unwind\w*|mellow|peaceful|cozy|cosy|lazy|soft|tired|exhausted|"
           r"long day|hung ?over|hangover|quiet(?! riot| storm)|" + NIGHT_IN + r"|잔잔|편안|휴식|"
           r"落ち着|リラックス|癒|tranquil\w*|relaj\w*|calme|detente|douce|doux|suave\w*|ruhig\w*|entspann\w*|gemutlich\w*|sanft\w*",
           {"energy": 0.3, "acousticness": 0.6, "valence": 0.45, "tempo": 100}, ("chill", "relaxing", "mellow")),
    Moment("meditation", r"meditat\w*|yoga|mindful\w*|breath\w*|명상|요가|瞑想|ヨガ|meditaci\w*|meditation",
           {"energy": 0.15, "instrumentalness": 0.7, "acousticness": 0.8, "speechiness": 0.04},
           ("ambient", "relaxing", "meditation"), clean=True),
    # "lift me up" lifts the mood, not weights.
    Moment("workout", r"work ?out|gym|lift\w*(?! (?:me|my|us|our|your|the mood)(?![a-z]))|pumping iron|training|"
           r"exercis\w*|cardio|crossfit|run|running|jog\w*|"
           r"운동|헬스|러닝|달리기|運動|ジム|筋トレ|ランニング|トレーニング|gimnasio|entren\w*|correr|ejercicio|"
           r"muscu\w*|salle de sport|courir|entrainement|fitness\w*|trainin\w*|laufen|joggen|sport",
           {"energy": 0.85, "tempo": 128, "danceability": 0.7, "valence": 0.55}, ("workout", "energetic", "running"),
           titles=PUMP_UP),
    Moment("lifting", r"(?:heavy |weight ?|power ?)lift\w*|lift(?:ing)? (?:weights|heavy)|weights|pumping iron|"
           r"(?:leg|chest|arm|back) day|deadlifts?|bench press\w*|squats?|bodybuilding|筋トレ|근력 ?운동|웨이트|pesas|"
           r"musculation|krafttraining|hanteln",
           {"energy": 0.88, "valence": 0.45, "danceability": 0.6}, ("workout", "aggressive", "energetic"),
           titles=PUMP_UP, genres=IRON),
    # A festival is its main stage: the big-room and progressive house drops people travel for, louder than a
    # party ("festival vibes" played Kylie Minogue's "Celebration" and "Just Dance", median energy 0.79).
    Moment("festival", r"(?<!film )(?<!jazz )(?<!folk )(?<!book )festival\w*|main ?stage|rave(?! about| reviews?)|"
           r"raving|(?<!カ)フェス\w*|페스티벌",
           {"energy": 0.9, "danceability": 0.65, "valence": 0.6, "tempo": 128}, ("edm", "party", "dance"),
           genres=MAIN_STAGE),
    Moment("party", r"(?<!dinner )(?<!tea )(?<!cocktail )party|parties|(?:disco|dance|club|salsa) night|dance ?floor|wedding reception|(?:friday|saturday) night(?! in)|lets go+|club\w*|(?<!first )(?<!slow )danc(?:e|ing)|pregame|pre game|hype|turn up|banger\w*|new years?(?: s)? eve|nye|night out|go(?:ing)? out tonight|ready to go out|파티|클럽|신나|"
           r"パーティ|踊|クラブ|fiesta|bailar|perreo|fete|soirees? (?:dansante|en boite|techno|disco)|danser|tanzen|feier\w*",
           {"danceability": 0.8, "energy": 0.8, "valence": 0.65, "tempo": 122}, ("party", "dance", "club")),
    # Friends over or out together: songs everybody knows and likes, up but not a dance floor ("une soirée entre
    # amis" read as a party; "an evening with friends" played Tycho and Coldplay's "Midnight").
    Moment("friends", r"(?:with|w) (?:my |the |some |a few )?(?:friends|mates|buddies|crew|squad|pals)|hang(?:ing)? out|"
           r"get ?togethers?|entre (?:amis|potes)|con (?:mis |los |unos )?amig[oa]s|mit (?:den |meinen )?freunden|"
           r"친구|友達|友だち|仲間",
           {"valence": 0.68, "energy": 0.62, "danceability": 0.65, "acousticness": 0.25, "familiar": 0.75},
           ("friends", "fun", "feel good")),
    Moment("angry", r"angry|anger|rage|aggressi\w*|furious|pissed|mad at|scream\w*|hate everything|frustrat\w*|화나|분노|"
           r"짜증|怒|イライラ|enojad\w*|rabia|furios\w*|colere|enerve\w*|wutend|wut|sauer",
           {"energy": 0.88, "valence": 0.3, "acousticness": 0.05, "heavy": 1.0}, ("angry", "aggressive", "heavy")),
    Moment("sad", r"sad\w*|melanchol\w*|(?<!calm )(?<!wind )(?<!settle )(?<!slow )(?<!cool )(?<!windows )(?<!window )(?<!top )down|depress\w*|cry\w*|tears|lonely|heartbr\w*|"
           r"grief|blue|슬픈|슬퍼|우울|눈물|悲し|泣|寂し|triste\w*|llorar|solo|chagrin|"
           r"pleurer|traurig\w*|einsam",
           {"valence": 0.22, "energy": 0.35, "acousticness": 0.5, "danceability": 0.45}, ("sad", "melancholy")),
    # A breakup is sad, but its songs are as often defiant as tearful, and they say so in the title ("Since U Been
    # Gone", "Stronger", "Irreplaceable"): no tag or playlist in the catalog says breakup on them.
    Moment("breakup", r"dumped|break ?up\w*|broke up|broken up|my ex|miss (?:him|her|my ex)|getting over (?:him|her|it|my ex)|"
           r"이별|헤어졌\w*|헤어진|失恋|別れ\w*|desamor|ruptura|rupture|liebeskummer|trennung",
           {"valence": 0.3, "energy": 0.45, "acousticness": 0.4, "danceability": 0.5},
           ("breakup music", "breakup songs", "sad"),
           titles=r"good ?bye\w*|gone|without you|over you|over it|break\w* up|broken|heart ?break\w*|heartache|"
                  r"moving on|move on|let (?:you|me|it) go|leaving|stronger|survivor|survive|irreplaceable|"
                  r"cry\w*|tears|lonely|on my own|by myself|miss(?:ing)? you|come back|without me|sorry|hurts?|"
                  r"cheat\w*|liar|lies|"
                  r"tainted|vuelve|sin ti|con otr[oa]|adi[oó]s|reviens|sans toi|adieu"),
    # Missing home: songs people know, unhurried, warm rather than bright ("feeling homesick" found no tag). The
    # word "nostalgic" itself is left to its tags, which carry the old favourites (Chicago, Air Supply, a-ha).
    Moment("nostalgic", r"home ?sick\w*|miss(?:ing)? (?:home|my (?:family|friends|hometown|home|mom|mum|dad|parents))|"
           r"good old days|old times|추억|그리운|그리워|懐かし|郷愁|saudade|heimweh|mal du pays",
           {"familiar": 0.8, "energy": 0.45, "valence": 0.45, "acousticness": 0.45}, ("nostalgic", "memories", "nostalgia")),
    Moment("happy", r"happy|happiness|cheer\w*|joy\w*|good mood|good vibes|(?:good|great|beautiful|lovely) day|feel good|feeling good|upbeat|sunshine|"
           r"celebrat\w*|promot(?:ed|ion)|graduat\w*|good news|got the job|grateful|thankful|blessed|"
           r"행복|기분 좋|즐거|楽し|嬉し|幸せ|元気|feliz|alegr\w*|heureu\w*|joyeu\w*|bonne humeur|glucklich|"
           r"frohlich|gute laune",
           {"valence": 0.8, "energy": 0.65, "danceability": 0.65, "speechiness": 0.06}, ("happy", "feel good", "upbeat")),
    # A night drive is its own sound, not the mean of a road trip and a quiet night: moody, steady, electronic
    # (the mean was acoustic enough for "Solsbury Hill" and "The Night They Drove Old Dixie Down").
    Moment("night drive", r"night ?driv\w*|driv\w* (?:\w+ ){0,3}(?:at|through the|in the) night|(?:late night|midnight) "
           r"(?:\w+ )?drive|nachtfahrt|autofahren bei nacht|밤 ?드라이브|夜(?:の)?ドライブ|深夜ドライブ|"
           r"(?:conducir|manejar) de noche|conduire la nuit",
           {"energy": 0.65, "valence": 0.35, "acousticness": 0.1, "danceability": 0.6, "tempo": 110},
           ("smooth night driving", "late night tunes", "driving music"),
           titles=r"midnight|nightcall|nightride|night ?drive|drive|driving|neon|city lights"),
    Moment("driving", r"driv\w*|road ?trip|highway|windows? down|top down|cruis\w*|car ride|in the car|commut\w*|드라이브|운전|ドライブ|運転|"
           r"conducir|manejar|carretera|viaje|conduire|route|voiture|autofahr\w*|fahren|roadtrip|通勤|출퇴근|퇴근|출근|trajet|pendeln",
           {"energy": 0.7, "valence": 0.6, "tempo": 118}, ("driving", "road trip")),
    # A long flight or train ride is passed resting: what people play there is calm and warm, not songs that
    # mention planes ("Learning to Fly", "Paper Planes" read the word, not the moment).
    Moment("travel", FLYING + r"|비행기?|공항|飛行機|空港|機内|vuelo|avion|aeropuerto|aeroport|flugzeug|flughafen",
           {"energy": 0.4, "acousticness": 0.5, "valence": 0.5}, ("travel", "relaxing", "mellow")),
    Moment("rain", r"rain\w*|storm\w*|thunder\w*|verregn\w*|drizzl\w*|grey|gray|cloudy|비 ?오|비가|장마|雨|梅雨|lluvi\w*|pluie|pluvieu\w*|"
           r"regen\w*",
           {"acousticness": 0.6, "energy": 0.35, "valence": 0.35, "tempo": 100, "danceability": 0.45},
           ("rainy day", "rain", "mellow"),
           titles=r"rain\w*|storm\w*|thunder\w*|umbrella|drizzle"),
    Moment("morning", r"morning|wake up|waking|sunrise|breakfast|brunch|coffee|cafe|coffeeshop|아침|카페|커피|朝|カフェ|"
           r"コーヒー|manana|desayuno|matin|petit dej\w*|morgen\w*|fruhstuck|kaffee",
           {"acousticness": 0.55, "energy": 0.45, "valence": 0.6}, ("morning", "coffee", "acoustic"),
           titles=r"morning|sunrise|wake up|coffee|breakfast|daylight"),
    Moment("night", NOT_THE_NIGHT + r"night\w*|midnight|late|2 ?am|3 ?am|after dark|밤|새벽|深夜|夜|noche|madrugada|"
           r"nuit|nacht\w*",
           {"energy": 0.45, "valence": 0.35, "acousticness": 0.4}, ("night", "late night", "chill")),
    # A power ballad is a rock song that swells, not a quiet love song ("80s power ballads" gave El DeBarge and
    # Jeffrey Osborne).
    Moment("power ballad", r"(?:power|rock|arena|hair metal) ballads?",
           {"energy": 0.5, "valence": 0.3, "acousticness": 0.2, "heavy": 0.6, "familiar": 0.7},
           ("power ballads", "ballad", "classic rock")),
    Moment("romantic", r"romanc\w*|romantic|" + DATE + r"|love song\w*|in love|crush|wedding(?! reception| party| dance ?floor)|"
           r"boda|mariage|hochzeit\w*|결혼식?|結婚式|candle\w*|(?:first|slow) danc\w*|사랑|로맨틱|"
           r"데이트|恋|ロマンチック|デート|romantic\w*|amor|cita|romantique|amoureu\w*|romantisch|verliebt|ballads?",
           {"valence": 0.55, "energy": 0.4, "acousticness": 0.45, "danceability": 0.55, "speechiness": 0.04},
           ("romantic", "love"), genres=CANDLELIGHT, against=HEARTBREAK),
    # A first dance is the love song everybody in the room knows, slower and more tender than a date night ("At
    # Last", "Perfect", "All of Me"): the romantic target gave "Happy Together" and "Moondance". Set from the
    # median of ten labelled first-dance songs in the catalog; ten others check it (docs/experiments.md).
    Moment("first dance", r"(?:first|wedding) danc\w*(?! ?floor)|walk(?:ing)? down the aisle|primer baile|"
           r"premiere danse|erster tanz|hochzeitstanz|첫 ?춤|ファーストダンス",
           {"energy": 0.45, "valence": 0.43, "danceability": 0.58, "acousticness": 0.44, "familiar": 0.9},
           ("love songs", "romantic", "love"), titles=r"marry|married|wedding|forever|always", clean=True,
           against=HEARTBREAK),
    # Dancing at a wedding is its reception's dance floor, not a date night: songs every generation in the room
    # knows and can dance to, nothing to cover the grandparents' ears for ("songs to dance to at a wedding" and
    # "canciones para bailar en una boda" played Keith Sweat's and Maxwell's slow R&B).
    Moment("wedding party", r"(?<!first )(?<!slow )(?<!last )(?<!daughter )(?<!son )danc\w* (?:\w+ ){0,3}"
           r"(?:wedding|reception)|"
           r"wedding (?:reception|party|dance ?floor)|bailar (?:\w+ ){0,3}boda|boda (?:\w+ ){0,3}bailar|"
           r"danser (?:\w+ ){0,3}mariage|mariage (?:\w+ ){0,3}danser|tanzen (?:\w+ ){0,3}hochzeit|"
           r"hochzeits?party|hochzeit (?:\w+ ){0,3}tanzen",
           {"danceability": 0.75, "energy": 0.75, "valence": 0.75, "familiar": 0.9}, ("party", "dance", "happy"),
           clean=True, against=HEARTBREAK),
    Moment("slow jam", r"slow jams?|slow songs", {"energy": 0.4, "danceability": 0.65, "valence": 0.5,
                                                  "acousticness": 0.3, "tempo": 92}, ("slow jams", "sexy")),
    Moment("summer", r"summer\w*|beach\w*|sunny|sun|pool ?party|vacation|holiday|tropical|bbq|barbecue|cookout|picnic|여름|해변|바다|夏|海|ビーチ|"
           r"verano|playa|sol|ete|plage|soleil|vacances|sommer\w*|strand|sonne",
           {"valence": 0.78, "danceability": 0.72, "energy": 0.7}, ("summer", "beach", "sunny"),
           titles=r"summer\w*|sunshine|sunny|beach|island|tropic\w*|vacation"),
    Moment("winter", r"winter\w*|snow\w*|cold|fireplace|by the fire|겨울|눈 ?오|벽난로|冬|雪|暖炉|invierno|nieve|"
           r"chimenea|hiver|neige|coin du feu|cheminee|schnee|kamin\w*",
           {"acousticness": 0.7, "energy": 0.32, "valence": 0.4}, ("winter", "snow"),
           titles=r"winter\w*|snow\w*|december|frozen|freezing|blizzard|cold as ice",
           genres=FIRESIDE),
    # Christmas songs are the ones everybody knows, bright more than wintry ("christmas songs" opened with three
    # slow covers of "Have Yourself a Merry Little Christmas" and no Mariah Carey).
    Moment("christmas", REQUEST_WORDS["christmas"].pattern + r"|holiday season",
           {"familiar": 0.85, "valence": 0.7, "energy": 0.55}, ("christmas", "xmas", "holiday"), clean=True),
    Moment("autumn", r"autumn|fall vibes|fall evening|leaves|october|cozy fall|가을|秋|otono|automne|herbst\w*",
           {"acousticness": 0.55, "energy": 0.4, "valence": 0.4}, ("autumn", "melancholy"),
           titles=r"autumn|october|september|leaves", genres=FIRESIDE),
    Moment("cooking", r"cook\w*|dinner|kitchen|baking|brunch|cocktails?|요리|저녁|料理|ディナー|cocin\w*|cenar?|cuisine|diner|"
           r"kochen|abendessen",
           {"valence": 0.62, "energy": 0.5, "danceability": 0.6}, ("dinner", "jazz", "feel good"), genres=SUPPER_CLUB),
    Moment("creative", r"paint\w*|draw\w*|sketch\w*|knit\w*|crafting|creative|making art|그림|絵|pintar|dibujar|"
           r"peindre|dessiner|malen|zeichnen",
           {"energy": 0.35, "valence": 0.55, "acousticness": 0.55, "instrumentalness": 0.4}, ("chill", "dreamy")),
    Moment("piano", r"piano\w*|피아노|ピアノ|klavier",
           {"acousticness": 0.85, "instrumentalness": 0.6, "energy": 0.25, "speechiness": 0.04}, ("piano",),
           genres=KEYS, clean=True),
    # A sing-along is one everybody knows the words to: up, sung, and well known (happy or not: "Mr. Brightside").
    Moment("sing-along", SING_ALONG + r"|belt(?:ing)? (?:it )?out|노래방|떼창|カラオケ|cantar|canta|chanter|mitsingen",
           {"familiar": 0.95, "energy": 0.7, "instrumentalness": 0.0, "speechiness": 0.05},
           ("sing along", "to sing", "karaoke")),
    # Hits and throwbacks are the songs people know, whatever they sound like ("2000s throwback party" gave
    # "Oochie Coochie - 7\" Mix" and "Sounds Of Heart Break" beside "Just Dance"). Not "classics": known today
    # is Spotify's popularity, and "old classics" brought Maroon 5's "Memories".
    # A wedding's dance floor is everyone's, grandparents included: the songs all of them know.
    Moment("hits", r"hits|hit songs|throwbacks?|anthems?|greatest|all[ -]time|everyone knows|wedding (?:reception|party)|"
           r"everybody knows|히트곡?|명곡|ヒット曲?|名曲|exitos|exito|tubes|klassiker",
           {"familiar": 1.0}, ("hit", "classic", "oldies")),
    # Dark is a mood of its own, not only sad: minor, brooding, often driving ("dark and intense").
    Moment("dark", r"(?<!after )dark|darkness|spooky|eerie|creepy|sinister|ominous|gloomy|moody|brooding|haunting|"
           r"어두운|ダーク|暗い|oscur\w*|sombre|sombri\w*|dunkel|duster\w*",
           {"valence": 0.18, "energy": 0.5, "acousticness": 0.3}, ("dark", "atmospheric", "haunting")),
    Moment("intense", r"intense|intensity|adrenaline|powerful|epic|강렬|激しい|intens\w*|puissant",
           {"energy": 0.88, "valence": 0.4, "acousticness": 0.05}, ("intense", "epic", "energetic")),
    # High energy without a mood of its own: a gaming session, "something energetic" (read as the tags "energy,
    # hyper" alone, it gave "Comfortably Numb").
    Moment("energetic", r"high[ -]?energy|energetic|full of energy|pumped(?: up)?|pump(?:s|ing)? (?:me |us )?up|"
           r"psych(?:ed|ing)? (?:me |us )?up|hype me up|game ?day|big game|before (?:the|a|my|our) (?:game|match|race)|"
           r"gaming|gamer|video games?|"
           r"에너지 넘치는|エネルギッシュ|energic[oa]s?|energique|energiegeladen",
           {"energy": 0.87, "valence": 0.55, "tempo": 126, "acousticness": 0.05}, ("energetic", "energy", "epic")),
    # Dreamy: soft-edged and floating, neither sad nor bright ("dreamy floaty music" gave Heart's "Barracuda").
    Moment("dreamy", r"dream(?:y|like|ier)|float\w*|ethereal|hazy|spacey|spacy|몽환|夢見|ふわふわ|onirique|sonador\w*|vertraumt",
           {"energy": 0.4, "valence": 0.4, "acousticness": 0.35, "danceability": 0.45, "speechiness": 0.04},
           ("dreamy", "dreamlike", "atmospheric"),
           titles=r"dream\w*|float\w*|clouds?|haze|hazy|daydream\w*", genres=("dream pop", "shoegaze", "chillwave")),
    # Music that lifts: hopeful, motivating, something to wake up to.
    Moment("uplifting", r"uplift\w*|hopeful|motivat\w*|inspir\w*|pick me up|pick-me-up|wake me up|lifts? (?:me|us) up|"
           r"lift (?:my|our) (?:mood|spirits)|"
           r"get me going|energi[sz]\w*|empower\w*|힘이 나는|힘내|爽やか|상쾌|元気が出る|motivaci\w*|"
           r"motivier\w*|inspirant\w*",
           {"valence": 0.7, "energy": 0.72, "danceability": 0.6}, ("uplifting", "inspirational", "motivation")),
    Moment("walk", r"walk\w*|stroll\w*|산책|散歩|pasear|paseo|caminar|balade|promenade|spazier\w*",
           {"energy": 0.55, "valence": 0.62, "acousticness": 0.4, "tempo": 112}, ("walking", "chill")),
    Moment("sunset", r"sunset|golden hour|dusk|sundown|노을|夕焼け|夕暮れ|atardecer|puesta de sol|coucher de soleil|"
           r"sonnenuntergang|abendrot",
           {"valence": 0.55, "energy": 0.5, "acousticness": 0.3, "tempo": 105}, ("twilight", "mellow", "chillout"),
           titles=r"sunset|sundown|dusk|golden|twilight|evening|horizon", genres=GOLDEN_HOUR),
    Moment("hike", r"hik\w*|trek\w*|trail|등산|ハイキング|登山|senderismo|randonn\w*|wandern|wanderung",
           {"energy": 0.65, "valence": 0.6, "acousticness": 0.35, "tempo": 120}, ("uplifting", "indie folk", "folk"),
           titles=r"mountains?|hills?|rivers?|valley|summit|wild\w*|horizon|trails?", genres=TRAIL),
    Moment("kids", r"kids|children|childrens|toddlers?|little ones|아이들|어린이|子供|子ども|niños|enfants|kinder",
           {"valence": 0.75, "energy": 0.65, "danceability": 0.7, "speechiness": 0.06, "familiar": 0.85},
           ("disney", "happy"), genres=SINGALONG_KIDS, clean=True),
    Moment("background", r"background|musique de fond|musica de fondo|hintergrund\w*|bgm|배경 ?음악|作業用",
           {"energy": 0.4, "speechiness": 0.04, "instrumentalness": 0.3, "acousticness": 0.5},
           ("background music", "chill", "lounge")),
    Moment("campfire", r"bonfire|campfire|camp ?fire|캠프파이어|キャンプファイヤー|fogata|feu de camp|lagerfeuer",
           {"acousticness": 0.55, "energy": 0.5, "valence": 0.6, "familiar": 0.85},
           ("acoustic", "folk", "singer songwriter"), genres=CAMPFIRE),
    Moment("acoustic", r"acoustic\w*|unplugged|어쿠스틱|アコースティック|acustic\w*|acoustique|akustisch\w*",
           {"acousticness": 0.85}, ("acoustic",)),
    # "Instrumental music for work" read nothing at all; "study music no lyrics" only the study target.
    Moment("instrumental", r"instrumental\w*|no (?:lyrics|vocals|singing|words)|without (?:lyrics|vocals|singing|words)|"
           r"연주곡|インスト\w*|sin letra|sans paroles|ohne gesang",
           {"instrumentalness": 0.85, "speechiness": 0.04}, ("instrumental",), wordless=True),
    Moment("cleaning", r"clean\w*|chores|tidy\w*|laundry|청소|掃除|limpi\w*|menage|putzen|aufraum\w*",
           {"energy": 0.75, "valence": 0.72, "danceability": 0.7, "speechiness": 0.06}, ("upbeat", "feel good", "dance")),
)

SONG_DIMS = ("energy", "valence", "danceability", "acousticness", "tempo")  # where "like <song>" aims
# A moment whose words also say these stands for them (friends are at any party or campfire).
MADE_OF = {"night drive": ("driving", "night"), "lifting": ("workout",), "power ballad": ("romantic",),
           "first dance": ("romantic",), "party": ("friends",), "campfire": ("friends",),
           "wedding party": ("party", "romantic", "hits"), "festival": ("party",)}
SETTING = frozenset({"morning", "night", "rain", "summer", "winter", "autumn"})  # when and where, not what for
SEASONS = frozenset({"summer", "winter", "autumn"})
SETS_THE_SOUND = frozenset({"workout", "lifting", "party", "festival", "wedding party", "focus", "sleep",
                            "meditation", "angry", "intense", "cleaning", "energetic", "uplifting"})
# What the songs are about: with a mood beside it, the mood says how they sound ("angry breakup songs" are angry
# songs about a breakup, not the mean of a scream and a sigh); the titles still say breakup.
TOPICS = frozenset({"breakup"})

# Comparatives move the point: (words, dimension, direction).
COMPARATIVES: tuple[tuple[str, str, float], ...] = (
    (r"happier|more (?:upbeat|cheerful|positive|uplifting|happy)|less (?:sad|depressing|dark|gloomy|moody)|"
     r"not (?:too |that |so |overly )?(?:depressing|gloomy|sad)|brighter|lighter|더 밝|더 신나|明るめ|もっと明る|mas alegre|plus joyeu\w*|frohlicher", "valence", +1),
    (r"sadder|darker|moodier|more (?:sad|melancholic|melancholy|emotional|dark)|less (?:happy|upbeat|cheerful)|"
     r"더 슬픈|もっと悲し|mas triste|plus triste|trauriger", "valence", -1),
    (r"calmer|mellower|softer|slower|quieter|chiller|more (?:chill|relaxed|calm|mellow)|less (?:intense|loud|heavy|"
     r"aggressive|energetic)|(?:nothing|not) (?:too |that |so |overly )?(?:aggressive|intense|hard|heavy|loud)|toned down|더 잔잔|もっと静か|もっと落ち着いた|mas tranquil\w*|plus calme|ruhiger", "energy", -1),
    (r"harder|heavier|faster|louder|more (?:energy|energetic|intense|aggressive|hype|upbeat)|less (?:chill|calm|"
     r"mellow|slow)|not (?:too |that |so |overly )?(?:slow|sleepy|mellow)|pumped up|더 빠른|더 강한|もっと激し|mas energ\w*|plus energ\w*|energischer|schneller", "energy", +1),
    (r"more danceable|danceabler|groovier|more groov\w*", "danceability", +1),
    (r"more acoustic|unplugged|less electronic", "acousticness", +1),
    (r"less (?:rap|talking|vocals|words)", "speechiness", -1),  # none at all is the instrumental moment
)

# How a move reads back to the listener ("like Radiohead, brighter").
SHIFTS = {("valence", 1): "brighter", ("valence", -1): "darker", ("energy", 1): "more energetic",
          ("energy", -1): "calmer", ("danceability", 1): "more danceable", ("acousticness", 1): "more acoustic",
          ("speechiness", -1): "fewer words"}

_MOMENTS = [(m, re.compile(r"(?<![a-z])(?:" + m.words + r")(?![a-z])")) for m in MOMENTS]
_COMPARATIVES = [(re.compile(r"(?<![a-z])(?:" + w + r")(?![a-z])"), dim, sign) for w, dim, sign in COMPARATIVES]


# "no sad songs", "don't want sad songs", "anything but sad": the mood is ruled out, not asked for ("nothing but
# sad songs" asks for it).
_NEGATED = re.compile(r"(?:^|\s)(?:no|not|without|never|none|don.?t|do not|doesn.?t|avoid|except|skip|nothing|"
                      r"anything but|everything but|sin|sans|ohne|kein|keine)(?:\s+(?!but\b)\w+){0,2}\s*$")


def moments_in(folded: str, lowered: str = "") -> list[Moment]:
    """The moments a message names and does not rule out, in the order of the moment table (folded text, and
    raw text for CJK); a moment made of others ("night drive") stands for them."""
    folded, lowered = weekend_night_in(folded), weekend_night_in(lowered)
    found = [m for m, pattern in _MOMENTS if _said(pattern, folded) or (lowered and _said(pattern, lowered))]
    covered = {part for m in found for part in MADE_OF.get(m.name, ())}
    return [m for m in found if m.name not in covered]


def _said(pattern: re.Pattern[str], text: str) -> bool:
    return any(not _NEGATED.search(text[: found.start()]) for found in pattern.finditer(text))


# "...but make it empowering", "...but feeling empowered": what comes after the "but" is what the music must be.
_WANTED = re.compile(r"\b(?:want|wanna|need|let me|make me|help me|gotta|something(?: to)?|make it|"
                     r"but(?: (?:still|more|(?:(?:i ?m |i am )?feeling|i feel|i want to feel)(?: like)?))?)"
                     r"(?: to)?\s*$")
# Moments that name what music does to the listener are what it must bring to a task the message names
# ("motivation to finish my work" is uplifting work music, not the mean of a pick-me-up and lo-fi beats: that
# mean played Joy Division's "Atmosphere" and The Cure's "A Forest", instrumental enough and mid-tempo). Beside a
# mood they still average ("元気が出る曲": happy and uplifting).
EFFECTS = frozenset({"uplifting", "energetic"})
TASKS = frozenset({"focus", "cleaning", "cooking", "creative", "walk", "driving"})
_AND = re.compile(r"\s*(?:,|and|&|or|but also)?\s*")  # between two moments of one wish


def wanted_in(folded: str, moments: list[Moment]) -> set[str]:
    """The moments the message asks the music to bring ("want to scream"), not only describes; a list asked for
    is asked for whole ("something dark and intense")."""
    found = sorted((match.start(), match.end(), m.name) for m, pattern in _MOMENTS if m in moments
                   for match in [pattern.search(folded)] if match)
    wanted = {m.name for m in moments if m.name in EFFECTS} if any(m.name in TASKS for m in moments) else set()
    last_end = -1
    for start, end, name in found:
        if _WANTED.search(folded[:start]) or (last_end >= 0 and _AND.fullmatch(folded[last_end:start])):
            wanted.add(name)
            last_end = end
    return wanted


_BPM = re.compile(r"(?<![\d.])(\d{2,3}) ?(?:bpm|beats per minute)(?![a-z])")


def bpm_in(folded: str) -> float | None:
    """A tempo the message names ("songs to run to at 170 bpm"), scaled like the targets' tempo."""
    found = _BPM.search(folded)
    return int(found.group(1)) / TEMPO_SCALE if found and 40 <= int(found.group(1)) <= 220 else None


def comparatives_in(folded: str, lowered: str = "") -> dict[str, float]:
    """Dimension -> signed number of steps the message asks to move."""
    moves: dict[str, float] = {}
    for pattern, dim, sign in _COMPARATIVES:
        if pattern.search(folded) or (lowered and pattern.search(lowered)):
            moves[dim] = moves.get(dim, 0.0) + sign
    return moves


def shifts_of(moves: Mapping[str, float]) -> list[str]:
    """The comparatives' moves as words, in the order they were found (opposite ones that cancel say nothing)."""
    return [SHIFTS[(dim, 1 if steps > 0 else -1)] for dim, steps in moves.items() if steps]


def combine(moments: list[Moment], wanted: set[str] = frozenset()) -> dict[str, float]:  # type: ignore[assignment]
    """The mean target of several moments, per dimension they name (tempo scaled to [0, 1]). The moments the
    message asks for (`wanted_in`) set the dimensions they name; the others only fill the rest: "so tired but i
    want something upbeat" is upbeat, with the tiredness's acoustic softness, not a mid-tempo shrug halfway.
    Likewise, when it names an activity that sets the sound, the time, weather and season around it set only
    the tags: a morning run sounds like a run, not like a calm acoustic morning (a night drive still sounds
    like the night); and a mood says how a topic sounds (`TOPICS`)."""
    moments = sounding(moments)
    if any(m.name not in TOPICS | SETTING for m in moments):
        moments = [m for m in moments if m.name not in TOPICS]
    asked = [m for m in moments if m.name in wanted]
    target = _mean([m.target for m in asked])
    rest = _mean([m.target for m in moments if m.name not in wanted])
    return {**{d: v for d, v in rest.items() if d not in target}, **target,
            **({VOCALS: 0.0} if any(m.wordless for m in moments) else {})}


def sounding(moments: list[Moment]) -> list[Moment]:
    """The moments a request's sound (and its songs' titles) come from: an activity that sets the sound leaves
    the time, weather and season around it their tags only ("morning run" pulls no "Morning Has Broken")."""
    if any(m.name in SETS_THE_SOUND for m in moments):
        return [m for m in moments if m.name not in SETTING]
    return moments


def _mean(targets: list[Mapping[str, float]]) -> dict[str, float]:
    """Per dimension, the mean of the targets that name it (tempo scaled to [0, 1])."""
    values: dict[str, list[float]] = {}
    for target in targets:
        for dim, value in target.items():
            values.setdefault(dim, []).append(value / TEMPO_SCALE if dim == "tempo" else value)
    return {dim: round(float(np.mean(v)), 3) for dim, v in values.items()}


def genre_target(genres: list[str], index: CatalogIndex) -> dict[str, float]:
    """Where genres sit that the catalog lacks ("post rock": instrumental, dark, calm), from how all of Spotify's
    artists of the genre sound (`CatalogIndex.genre_sound`): the mean per dimension, heavy when they are."""
    if not genres:  # most requests: no pass over the genre names
        return {}
    rows = [i for i, name in enumerate(index.genre_sound_names.tolist()) if name in genres]
    if not rows:
        return {}
    values = index.genre_sound[rows]
    known = ~np.isnan(values)  # NaN: a dimension the genre sounds like music in general on
    sums, counts = np.where(known, values, 0.0).sum(axis=0), known.sum(axis=0)
    target = {d: round(float(v / n), 3) for d, v, n in zip(AUDIO_DIMS, sums, counts) if n}
    if any(sounds_heavy(g) for g in genres):
        target["heavy"] = 1.0
    return target


def move(target: dict[str, float], base: Mapping[str, float], moves: Mapping[str, float]) -> dict[str, float]:
    """Apply comparatives: each moved dimension starts from the target, else from `base`; energy moves tempo
    and arousal-like dimensions with it."""
    out = dict(target)
    for dim, steps in moves.items():
        start = out.get(dim, base.get(dim, UNMOVED.get(dim, 0.5)))
        out[dim] = round(float(np.clip(start + STEP * steps, 0.02, 0.98)), 3)
        if dim == "energy" and "acousticness" not in target:
            out["acousticness"] = round(float(np.clip(base.get("acousticness", 0.3) - 0.5 * STEP * steps, 0, 1)), 3)
    return out


class SoundSpace:
    """The catalog's tracks as points in the target space: one row per track, one column per dimension."""

    def __init__(self, features: np.ndarray, bounds: np.ndarray, va: np.ndarray, heavy: np.ndarray | None = None,
                 familiar: np.ndarray | None = None, names: np.ndarray | None = None,
                 playing: Callable[[tuple[str, ...]], np.ndarray] | None = None,
                 tagged: Callable[[tuple[str, ...]], np.ndarray] | None = None) -> None:
        lo, hi = bounds
        raw = lo + features * (hi - lo)  # undo the index's min-max scaling: targets are in Spotify's own units
        columns = {d: raw[:, AUDIO_COLUMNS.index(d)] for d in AUDIO_DIMS}
        columns["tempo"] = columns["tempo"] / TEMPO_SCALE
        columns["heavy"] = np.full(len(raw), UNKNOWN_HEAVY) if heavy is None else heavy
        columns["familiar"] = np.full(len(raw), 0.5) if familiar is None else familiar
        self.points = np.stack([columns[d] for d in DIMS], axis=1).clip(0, 1).astype(np.float32)
        self.va = va.astype(np.float32)
        # Each dimension contiguous: a request reads a few of them across the whole catalog.
        self._dims, self._va_dims = np.ascontiguousarray(self.points.T), np.ascontiguousarray(self.va.T)
        self.bpm = raw[:, AUDIO_COLUMNS.index("tempo")]
        # The song's own title, not its version ("Free Fallin' - Live ... December 2007" is not a winter song) nor
        # who sings on it.
        self.titles = [] if names is None else [without_featured(str(n).partition(" - ")[0]) for n in names.tolist()]
        self.playing = playing  # genres -> (tracks,) whether the artist plays any of them
        self.tagged = tagged  # tags -> (tracks,) whether its listeners call the track any of them
        # Per moment, worked out on first use (~20 ms on 28k titles).
        self._titled: dict[str, np.ndarray] = {}
        self._about: dict[str, np.ndarray] = {}
        self._opposed: dict[str, np.ndarray] = {}

    @classmethod
    def of(cls, index: CatalogIndex) -> SoundSpace:
        return cls(index.features, index.feature_bounds, index.va, heaviness(index), familiarity(index), index.names,
                   index.genres.carrying, functools.partial(index.tagged, at_least=OPPOSED_TAG_WEIGHT))

    def titled(self, moment: Moment) -> np.ndarray:
        """(tracks,) whether each song's title names the moment ("Snow (Hey Oh)" for winter)."""
        if moment.name not in self._titled:
            pattern = re.compile(r"\b(?:" + moment.titles + r")\b", re.IGNORECASE) if moment.titles else None
            self._titled[moment.name] = self._titles_matching(pattern)
        return self._titled[moment.name]

    @functools.cached_property
    def explicit(self) -> np.ndarray:
        """(tracks,) whether each song's title swears or says sex or drugs."""
        return self._titles_matching(EXPLICIT)

    def _titles_matching(self, pattern: re.Pattern[str] | None) -> np.ndarray:
        if pattern is None or not self.titles:
            return np.zeros(len(self.points), dtype=bool)
        return np.fromiter((bool(pattern.search(t)) for t in self.titles), dtype=bool, count=len(self.titles))

    def about(self, moment: Moment) -> np.ndarray:
        """(tracks,) whether each song is about the moment: its title names it, or its artist plays a genre made
        for it (dream pop for dreamy)."""
        if moment.name not in self._about:
            playing = self.playing(moment.genres) if moment.genres and self.playing is not None else False
            self._about[moment.name] = self.titled(moment) | playing
        return self._about[moment.name]

    def opposing(self, moment: Moment) -> np.ndarray:
        """(tracks,) whether each song is about a moment another one stands against: its title names it, or its
        listeners call it what the moment is called ("sad")."""
        if moment.name not in self._opposed:
            tagged = self.tagged(moment.tags) if moment.tags and self.tagged is not None else False
            self._opposed[moment.name] = self.titled(moment) | tagged
        return self._opposed[moment.name]

    def profile(self, rows: np.ndarray) -> dict[str, float]:
        """Where a set of tracks sits (e.g. an artist named in the request), per dimension."""
        if len(rows) == 0:
            return {}
        mean = self.points[rows].mean(axis=0)
        return {d: float(v) for d, v in zip(DIMS, mean)}

    def fit(self, target: Mapping[str, float], moments: Iterable[Moment] = ()) -> np.ndarray:
        """How close each track is to the target: minus the weighted mean absolute distance beyond
        `SOUND_TOLERANCE` per dimension (0: right on every dimension).
        Valence and energy targets also pull Deezer valence and arousal, at half weight. A song about one of the
        moments counts `MOMENT_PULL` nearer; one titled for another season, or about a moment one of them stands
        against, as much further."""
        dims = [(DIMS.index(d), v) for d, v in target.items() if d in DIMS]
        if not dims:
            return np.zeros(len(self.points), np.float32)
        moments = list(moments)
        asked = {m.name for m in moments}
        pull = MOMENT_PULL * np.any([self.about(m) for m in moments], axis=0)
        # A song titled for another season reads wrong however it sounds ("Summertime" on a winter playlist).
        if seasons := asked & SEASONS:
            pull = pull - MOMENT_PULL * np.any([self.titled(m) for m in MOMENTS if m.name in SEASONS - seasons], axis=0)
        if opposed := {o for m in moments if not asked & set(m.against) for o in m.against}:
            pull = pull - MOMENT_PULL * np.any([self.opposing(m) for m in MOMENTS if m.name in opposed], axis=0)
        if any(m.name in QUIET for m in moments):
            pull = pull - MOMENT_PULL * (self._dims[DIMS.index("heavy")] == 1.0)
        distance = sum(_off(self._dims[i], v, TEMPO_TOLERANCE if DIMS[i] == "tempo" else SOUND_TOLERANCE)
                       for i, v in dims)
        weight = float(len(dims))
        for dim, column in (("valence", 0), ("energy", 1)):
            if dim in target:
                distance = distance + VA_WEIGHT * _off(self._va_dims[column], target[dim])
                weight += VA_WEIGHT
        return (pull - distance / weight).astype(np.float32)

    def ruled_out(self, target: Mapping[str, float], moments: Iterable[Moment] = ()) -> np.ndarray | None:
        """(tracks,) the songs that read wrong at once however they sound, or None: a title that is explicit, for
        a clean moment; a song likely sung, where the request asks for no vocals ("study music without lyrics"
        played Lady Gaga's "Shallow" to her fans). Kept out of `fit`: ranked after every other track, they do
        not stretch the fit's spread, which would quieten it against the other signals."""
        out = None
        if any(m.clean for m in moments):
            out = self.explicit
        if target.get(VOCALS) == 0:
            sung = self._dims[DIMS.index("instrumentalness")] < SUNG_BELOW
            out = sung if out is None else out | sung
        return out

    def describe(self, row: int, target: Mapping[str, float]) -> str:
        """A few words on how a track sounds, on the dimensions the request cares about ("calm and acoustic, 68 BPM")."""
        p = dict(zip(DIMS, self.points[row].tolist()))
        words = []
        if "energy" in target:
            words.append("calm" if p["energy"] < 0.4 else "high-energy" if p["energy"] > 0.75 else "mid-tempo")
        if "valence" in target:
            words.append("bright" if p["valence"] > 0.65 else "melancholy" if p["valence"] < 0.35 else "")
        if "acousticness" in target and p["acousticness"] > 0.5:
            words.append("acoustic")
        if "instrumentalness" in target and p["instrumentalness"] >= SAID_INSTRUMENTAL:
            words.append("instrumental")
        if "danceability" in target and p["danceability"] > 0.7:
            words.append("danceable")
        if "heavy" in target and p["heavy"] == 1.0:
            words.append("heavy")
        if "familiar" in target and p["familiar"] >= 0.9:
            words.append("well known")
        words = [w for w in words if w]
        head = " and ".join(words[:3]) if words else ""
        bpm = f"{int(round(float(self.bpm[row])))} BPM" if self.bpm[row] > 0 else ""
        return ", ".join(x for x in (head, bpm) if x)


def _off(values: np.ndarray, target: float, tolerance: float = SOUND_TOLERANCE) -> np.ndarray:
    """How far each value is from the target, beyond the tolerance."""
    return np.maximum(np.abs(values - target) - tolerance, 0.0)


def heaviness(index: CatalogIndex) -> np.ndarray:
    """(tracks,) 1 where the artist's Spotify genres sound heavy, 0 where they do not, UNKNOWN_HEAVY without any."""
    matrix = index.track_genre_names.tocsr()
    heavy = np.array([sounds_heavy(name) for name in index.genre_names.tolist()], dtype=np.float32)
    known = np.diff(matrix.indptr) > 0
    return np.where(matrix @ heavy > 0, 1.0, np.where(known, 0.0, UNKNOWN_HEAVY)).astype(np.float32)


def sounds_heavy(genre: str) -> bool:
    return (any(is_compound(genre, h) for h in HEAVY_GENRES)
            and not any(is_compound(genre, c) for c in LIGHT_COMPOUNDS))


def familiarity(index: CatalogIndex) -> np.ndarray:
    """(tracks,) how well known each song is, as a rank in [0, 1]: its best-known recording's popularity (a
    remaster's id is not less known than the hit's). The song is the title before " - ", not `names.track_key`,
    whose folding costs 0.4 s per start here and ten times that on a 10x catalog."""
    songs, distinct = pd.factorize(np.array([f"{artist}|{name.partition(' - ')[0].lower()}" for artist, name
                                      in zip(index.artist_keys.tolist(), index.names.tolist())], dtype=object))
    best = np.zeros(len(distinct), np.float32)
    np.maximum.at(best, songs, index.popularity)
    return (rankdata(best[songs]) / len(songs)).astype(np.float32)
