"""Sound targets: moments and comparatives in several languages, and the fit in audio-feature space.
Pure: no catalog, no database."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from recommender.catalog import feature_matrix
from recommender.datasets import AUDIO_COLUMNS
from recommender.names import fold
from recommender.sound import (
    AUDIO_DIMS,
    TEMPO_SCALE,
    SoundSpace,
    bpm_in,
    combine,
    comparatives_in,
    familiarity,
    genre_target,
    moments_in,
    move,
    shifts_of,
    sounding,
    sounds_heavy,
    wanted_in,
)


def names(text: str) -> list[str]:
    return [m.name for m in moments_in(fold(text), text.lower())]


def test_everyday_moments_are_read_in_six_languages() -> None:
    assert names("studying late at night, need to focus") == ["focus", "night"]
    assert "lifting" in names("gym session, pumping iron")
    assert names("비 오는 날 카페에서 듣기 좋은 노래") == ["rain", "morning"]
    assert names("勉強に集中できる曲") == ["focus"]
    assert names("música para entrenar en el gimnasio") == ["workout"]
    assert names("chansons calmes pour dormir") == ["sleep", "calm"]
    assert names("songs for falling asleep") == ["sleep"]
    assert names("Musik zum Autofahren bei Nacht") == ["night drive"]
    assert names("what's the capital of france") == []
    assert names("songs for a first date") == ["romantic"] and names("up to date hits") == ["hits"]
    assert names("pump up songs before a big game") == ["energetic"]


def test_lift_me_up_is_a_lift_in_mood_not_in_the_gym_and_finals_are_studying() -> None:
    # "tough week, need something to lift me up" read the gym's "lift" and got high-energy EDM.
    assert names("tough week, need something to lift me up") == ["uplifting"]
    assert names("songs that lift my spirits") == ["uplifting"]
    assert names("lifting weights at the gym") == ["lifting"] and names("leg day, time to lift") == ["lifting"]
    assert names("getting through finals week") == ["focus"] and names("cramming for midterms") == ["focus"]


def test_moments_average_and_tempo_is_scaled() -> None:
    target = combine([m for m in moments_in("sleep") + moments_in("workout")])
    assert 0.4 < target["energy"] < 0.6  # sleep 0.15 and workout 0.85
    assert 0 < target["tempo"] < 1


def test_a_comparative_moves_from_where_the_request_is_not_to_the_opposite_tag() -> None:
    moves = comparatives_in(fold("something like radiohead but happier"))
    assert moves == {"valence": 1}
    radiohead = {"valence": 0.3, "energy": 0.6}
    assert move({}, radiohead, moves)["valence"] > radiohead["valence"]
    calmer = move({"energy": 0.8}, {}, comparatives_in("same but calmer"))
    assert calmer["energy"] < 0.8
    assert comparatives_in(fold("more upbeat 80s")) == {"valence": 1, "energy": 1}  # upbeat: brighter and livelier


def test_no_vocals_is_instrumental_and_less_rap_moves_from_where_songs_sit() -> None:
    """"Songs without vocals" aimed at speechiness 0.25 (the middle of the scale, moved one step), where rap sits,
    and played KAROL G and Juice WRLD; "instrumental music for work" named no moment at all."""
    for text in ("songs without vocals", "study music no lyrics", "instrumental music for work"):
        assert "instrumental" in names(text) and combine(moments_in(text))["instrumentalness"] >= 0.6, text
    assert move({}, {}, comparatives_in("less rap"))["speechiness"] < 0.1


def test_a_comparative_is_said_back_as_the_way_it_moves() -> None:
    assert shifts_of(comparatives_in(fold("like radiohead but happier"))) == ["brighter"]
    assert shifts_of(comparatives_in(fold("same but calmer and more acoustic"))) == ["calmer", "more acoustic"]
    assert shifts_of(comparatives_in(fold("happier, no, sadder"))) == []  # opposite moves cancel: nothing to say


def space_of(rows: list[dict[str, float]], heavy: list[float] | None = None, familiar: np.ndarray | None = None,
             titles: list[str] | None = None, genres: list[str] | None = None,
             tags: list[str] | None = None) -> SoundSpace:
    frame = pd.DataFrame([{c: r.get(c, 0.5) for c in AUDIO_COLUMNS} for r in rows])
    features, bounds = feature_matrix(frame, np.array([[0, 0, -11, -60, 0, 0, 0, 0, 0, 0, 0, 0],
                                                       [1, 1, 11, 5, 1, 1, 1, 1, 1, 1, 250, 1e6]], np.float32))
    va = frame[["valence", "energy"]].to_numpy(np.float32)
    playing = None if genres is None else (lambda wanted: np.array([g in wanted for g in genres]))
    tagged = None if tags is None else (lambda wanted: np.array([t in wanted for t in tags]))
    return SoundSpace(features, bounds, va, None if heavy is None else np.array(heavy, np.float32), familiar,
                      None if titles is None else np.array(titles), playing, tagged)


def test_fit_prefers_the_track_that_sounds_like_the_target_and_describes_it() -> None:
    space = space_of([{"energy": 0.15, "acousticness": 0.9, "tempo": 68},
                      {"energy": 0.95, "acousticness": 0.02, "tempo": 150}])
    sleep = combine(moments_in("sleep"))
    fit = space.fit(sleep)
    assert fit[0] > fit[1]
    assert space.describe(0, sleep) == "calm and acoustic, 68 BPM"
    assert space.describe(1, {"energy": 0.9}).startswith("high-energy")
    assert not space.fit({}).any()


def test_tracks_within_the_tolerance_of_the_target_sound_equally_right() -> None:
    """An exact point made the catalog's most average songs lead every calm request; within the tolerance on
    every dimension the other signals decide, and beyond it each step away still counts."""
    calm = combine(moments_in("calm evening"))

    def track(shift: float, energy: float = 0.0) -> dict[str, float]:
        row = {d: v + shift for d, v in calm.items()} | {"energy": calm["energy"] + shift + energy}
        return row | {"tempo": calm["tempo"] * TEMPO_SCALE + 4}  # tempo has its own tolerance, 5 BPM

    fit = space_of([track(0), track(0.08), track(0, 0.3), track(0, 0.5)]).fit(calm)
    assert fit[0] == pytest.approx(0, abs=1e-6) and fit[1] == pytest.approx(0, abs=1e-6)
    assert 0 > fit[2] > fit[3]


def test_a_song_titled_for_the_moment_leads_among_songs_that_sound_alike_but_not_over_one_that_sounds_wrong() -> None:
    rainy = {"energy": 0.3, "acousticness": 0.7, "valence": 0.3}
    space = space_of([rainy, {**rainy, "energy": 0.32}, {**rainy, "energy": 0.3}, {"energy": 0.95, "acousticness": 0.02}],
                     titles=["Quiet Song", "Purple Rain - 2015 Remaster", "Rain Check - Live in December", "Raining Blood"])
    rain = moments_in("rainy day")
    fit = space.fit(combine(rain), rain)
    assert fit[1] > fit[0]  # the title about rain leads a song that sounds a touch nearer
    assert fit[2] > fit[0]  # the same sound, and a title about rain
    assert fit[0] > fit[3]  # a thrash song called "Raining Blood" does not sound like a rainy day
    assert fit[0] == space.fit(combine(rain))[0]  # no title, no pull
    assert (space.fit(combine(rain), moments_in("sleep")) == space.fit(combine(rain))).all()  # sleep names no titles
    winter = [m for m in moments_in("winter") if m.name == "winter"]
    assert not space.about(winter[0])[2]  # "December" in a live version's suffix is not the song's title
    summer = [m for m in moments_in("summer") if m.name == "summer"][0]
    featured = space_of([rainy, rainy], titles=["B-Town (feat. Sunny Malton)", "Sunny"])
    assert featured.about(summer).tolist() == [False, True]  # nor is a featured singer's name


def test_a_genre_made_for_the_moment_pulls_like_a_title() -> None:
    dreamy = {"energy": 0.45, "valence": 0.35, "acousticness": 0.3}
    space = space_of([dreamy, {**dreamy, "energy": 0.5}, {"energy": 0.95, "valence": 0.9, "acousticness": 0.02}],
                     titles=["Song", "Myth", "Anthem"], genres=["soft rock", "dream pop", "dream pop"])
    moments = moments_in("dreamy music")
    fit = space.fit(combine(moments), moments)
    assert fit[1] > fit[0] > fit[2]  # dream pop leads the soft rock beside it, not a dream pop band's loud single
    assert space.fit(combine(moments))[1] < fit[1]  # the pull comes from the moment


def test_a_gym_request_leads_with_songs_titled_to_fight_and_win() -> None:
    """Among songs that sound alike, "Stronger" reads as a gym song at once; "Dance Tonight" does not."""
    gym = {"energy": 0.85, "danceability": 0.7, "valence": 0.55}
    space = space_of([gym, gym], titles=["Dance Tonight", "Stronger - Radio Edit"])
    workout = moments_in("pump up songs for the gym")
    fit = space.fit(combine(workout), workout)
    assert fit[1] > fit[0]


def test_a_title_that_swears_never_leads_a_clean_moment() -> None:
    """"Yoga and stretching" opened with D'Angelo's "Shit, Damn, Motherfucker"; a gym playlist may still swear."""
    calm = {"energy": 0.15, "acousticness": 0.85, "instrumentalness": 0.7, "speechiness": 0.04}
    space = space_of([calm, calm, {"energy": 0.9, "acousticness": 0.1}],
                     titles=["Shit, Damn, Motherfucker", "Holocene", "Thunderstruck"])
    yoga = moments_in("yoga and stretching")
    assert space.ruled_out(combine(yoga), yoga).tolist() == [True, False, False]  # behind even a wrong sound
    gym = moments_in("gym workout")
    assert space.ruled_out(combine(gym), gym) is None


def test_a_piano_request_leads_with_pianists_and_no_swearing() -> None:
    """"Relaxing piano" opened with D'Angelo's "Shit, Damn, Motherfucker" (calm, tagged relaxing) over Bill Evans."""
    calm = {"energy": 0.2, "acousticness": 0.85, "instrumentalness": 0.6, "speechiness": 0.04}
    space = space_of([calm, calm, calm], titles=["Shit, Damn, Motherfucker", "Song", "Peace Piece"],
                     genres=["neo soul", "soft rock", "jazz piano"])
    piano = moments_in("relaxing piano")
    assert space.fit(combine(piano), piano)[2] > space.fit(combine(piano), piano)[1]
    assert space.ruled_out(combine(piano), piano).tolist() == [True, False, False]


def test_a_clean_moment_plays_no_title_about_sex_or_drugs() -> None:
    """A first dance held Rihanna's "Sex With Me"; a kids' party "Intoxicated" and "I Took A Pill In Ibiza"."""
    party = {"energy": 0.8, "danceability": 0.8, "valence": 0.7}
    space = space_of([party, party, party], titles=["Intoxicated - Original Mix", "I Took A Pill In Ibiza", "Strut"])
    kids = moments_in("kids birthday party")
    assert space.ruled_out(combine(kids), kids).tolist() == [True, True, False]
    club = moments_in("club night")
    assert space.ruled_out(combine(club), club) is None  # a night out may say so


def test_a_love_song_for_a_wedding_is_not_a_breakup_song_unless_the_request_is_sad() -> None:
    """"First dance at our wedding" played "Ain't No Sunshine" (its listeners call it love, and sad) and "Vuelve"
    ("come back"), a dinner date Patti LaBelle's "On My Own"; "sad love songs" still wants them."""
    tender = {"energy": 0.45, "valence": 0.45, "danceability": 0.58, "acousticness": 0.44}
    space = space_of([tender] * 4, titles=["Ain't No Sunshine", "Vuelve", "In My Life", "On My Own"],
                     tags=["sad", "", "", ""])
    for text in ("first dance at our wedding", "romantic dinner for two"):
        moments = moments_in(text)
        fit = space.fit(combine(moments), moments)
        assert fit[2] > max(fit[0], fit[1], fit[3]), text
    sad_love = moments_in("sad love songs")
    fit = space.fit(combine(sad_love), sad_love)
    assert min(fit[0], fit[1], fit[3]) >= fit[2]


def test_dancing_at_a_wedding_is_its_reception_not_its_first_dance() -> None:
    """The words for a wedding made "songs to dance to at a wedding" a date night: slow R&B."""
    for text in ("songs to dance to at a wedding", "canciones para bailar en una boda", "wedding reception playlist",
                 "musik zum tanzen auf der hochzeit"):
        assert names(text) == ["wedding party"], text
        target = combine(moments_in(fold(text), text.lower()))
        assert target["energy"] >= 0.7 and target["danceability"] >= 0.7, text
    assert names("first dance at our wedding") == ["first dance"]
    assert names("wedding dance floor bangers") == ["wedding party"]
    assert names("romantic wedding songs") == ["romantic"]


def test_a_weekend_night_spent_in_is_no_party() -> None:
    for text in ("quiet friday night at home", "staying in on a saturday night", "home alone on a friday night"):
        assert "party" not in names(text) and "night" in names(text), text
    assert "calm" in names("quiet friday night at home") and "calm" in names("staying in on a saturday night")
    assert "party" in names("friday night") and "party" in names("house party at home on friday night")
    for text in ("workout music to stay in shape", "saturday night in the club", "one night in bangkok"):
        assert "calm" not in names(text), text  # staying in only as a night in


def test_a_festival_is_its_main_stage_louder_than_a_party() -> None:
    """"Festival vibes" read as a party and played "Celebration" and "Just Dance"."""
    for text in ("festival vibes", "euphoric festival feeling!!", "rave music", "フェスで盛り上がる曲"):
        assert names(text) == ["festival"], text
    assert combine(moments_in("festival vibes"))["energy"] > combine(moments_in("party time"))["energy"]
    for text in ("festive christmas songs", "jazz festival", "songs critics rave about", "カフェスタイルの音楽"):
        assert "festival" not in names(text), text


def test_reading_is_quiet_focus_in_every_language() -> None:
    for text in ("calm music for reading", "musique calme pour lire un livre", "musica para leer", "musik zum lesen",
                 "책 읽을 때 듣는 음악", "読書用の音楽"):
        assert "focus" in names(text), text
    assert "focus" not in names("une liste de lecture pour la fete")  # a French playlist is no reading


def test_no_lyrics_means_no_singer_however_calm_the_song() -> None:
    """"Study music without lyrics" played Pink Floyd's "Breathe" and "Cello Song" with José González: calm,
    acoustic, right on every other dimension. An instrumental a little livelier than asked goes first."""
    for text in ("study music without lyrics", "instrumental music for work"):
        moments = moments_in(fold(text), text)
        target = combine(moments)
        sound = {d: v for d, v in target.items() if d != "vocals"}
        sung = {**sound, "instrumentalness": 0.3}
        livelier = {**sound, "instrumentalness": 0.9, "energy": min(sound.get("energy", 0.5) + 0.4, 1.0)}
        assert target["vocals"] == 0, text  # carried by the target: the recommender sees the words no more
        space = space_of([sung, livelier])
        assert space.ruled_out(target).tolist() == [True, False], text
    target = combine(moments_in("calm evening"))  # no moment of it asks for no words
    assert "vocals" not in target
    assert space_of([{**target, "instrumentalness": 0.3}]).ruled_out(target) is None


def test_a_song_titled_for_another_season_steps_back() -> None:
    """"Summertime" sounded cozy enough for a winter playlist; a listener reads its title first."""
    cozy = {"energy": 0.3, "acousticness": 0.7, "valence": 0.4}
    space = space_of([cozy, cozy, cozy], titles=["Summertime", "Quiet Song", "Let It Snow"])
    winter = moments_in("winter playlist")
    fit = space.fit(combine(winter), winter)
    assert fit[2] > fit[1] > fit[0]
    summer = moments_in("summer")
    assert space.fit(combine(summer), summer)[0] > space.fit(combine(summer), summer)[2]
    assert space.fit(cozy, moments_in("rainy day"))[0] == space.fit(cozy)[0]  # no season asked: no season pushed


def test_the_moment_a_message_asks_for_outweighs_the_one_it_describes() -> None:
    text = "i just got dumped and want to scream"
    moments = moments_in(text)
    assert {m.name for m in moments} >= {"breakup", "angry"} and wanted_in(text, moments) == {"angry"}
    assert combine(moments, wanted_in(text, moments))["energy"] > 0.85  # the scream, not a power ballad
    text = "so tired but i want something upbeat"
    moments = moments_in(text)
    asked, averaged = combine(moments, wanted_in(text, moments)), combine(moments)
    assert wanted_in(text, moments) == {"happy"} and asked["energy"] > averaged["energy"] > 0.4
    assert asked["acousticness"] == averaged["acousticness"]  # the tiredness still fills what the upbeat leaves
    assert wanted_in("storm outside something dark and intense", moments_in("storm outside something dark and intense")) \
        == {"dark", "intense"}  # a list asked for is asked for whole


def test_a_mood_says_how_songs_about_a_breakup_sound() -> None:
    assert combine(moments_in("angry breakup songs")) == combine(moments_in("angry songs"))
    assert combine(moments_in("breakup songs"))["energy"] < 0.5  # alone, a breakup sets the sound
    assert [m.name for m in sounding(moments_in("angry breakup songs"))] == ["angry", "breakup"]  # and its titles


def test_motivation_is_what_the_music_brings_to_the_work_it_names() -> None:
    """The mean of a pick-me-up and lo-fi study beats was mid-tempo and instrumental enough for Joy Division's
    "Atmosphere" and The Cure's "A Forest"."""
    text = "motivation to finish my work"
    moments = moments_in(text)
    assert names(text) == ["focus", "uplifting"] and wanted_in(text, moments) == {"uplifting"}
    target = combine(moments, wanted_in(text, moments))
    assert target["energy"] >= 0.7 and target["valence"] >= 0.7 and target["instrumentalness"] >= 0.6
    assert names("need to get stuff done today") == ["focus"]


def test_what_a_breakup_listener_feels_after_but_is_what_the_music_brings() -> None:
    text = "going through a breakup but i m feeling empowered"
    moments = moments_in(text)
    assert [m.name for m in moments] == ["breakup", "uplifting"] and wanted_in(text, moments) == {"uplifting"}
    assert combine(moments, wanted_in(text, moments))["valence"] > 0.6  # empowered, not the breakup's gloom
    assert combine(moments_in("sad breakup songs"))["valence"] < 0.35
    assert wanted_in("tired but i feel like dancing", moments_in("tired but i feel like dancing")) == {"party"}


def test_the_time_and_weather_step_aside_for_an_activity_that_sets_the_sound() -> None:
    run = combine(moments_in("morning run"))
    assert run == combine(moments_in("run")) and "acousticness" not in run  # a morning run sounds like a run
    assert [m.name for m in sounding(moments_in("morning run"))] == ["workout"]  # and pulls no morning titles
    rainy_morning = combine(moments_in("rainy morning"))
    assert rainy_morning["acousticness"] > 0.5 and rainy_morning["energy"] < 0.5  # no activity: the setting speaks
    night_drive = combine(moments_in("driving at night"))
    assert night_drive != combine(moments_in("driving")) and night_drive["valence"] < 0.6  # still the night


def test_a_night_drive_is_its_own_sound_not_a_road_trip_averaged_with_a_quiet_night() -> None:
    """The mean of "driving" and "night" was acoustic enough for "The Night They Drove Old Dixie Down"."""
    for text in ("late night drive through the city", "driving at night", "night driving playlist"):
        assert names(text) == ["night drive"], text
        assert combine(moments_in(text))["acousticness"] <= 0.2
    assert names("road trip with friends") == ["friends", "driving"] and names("quiet night in") == ["calm", "night"]
    assert names("slow dance songs") == ["romantic"] and "calm" in names("musique douce pour le dîner")


def test_angry_music_is_heavy_not_only_loud_and_dark() -> None:
    """An EDM drop and a metal chorus share energy and valence; the angry target tells them apart by heaviness
    (read from the artist's genres), and an artist without genres sits between."""
    loud_and_dark = {"energy": 0.9, "valence": 0.3, "acousticness": 0.03, "danceability": 0.6}
    space = space_of([loud_and_dark] * 3, heavy=[0.0, 1.0, 0.5])
    angry = combine(moments_in("so angry i want to scream"))
    assert angry["heavy"] == 1.0
    edm, metal, unknown = space.fit(angry)
    assert metal > unknown > edm
    assert "heavy" in space.describe(1, angry) and "heavy" not in space.describe(0, angry)
    calm = combine(moments_in("calm"))
    assert "heavy" not in calm and len(set(space.fit(calm).tolist())) == 1  # heaviness counts only when asked


def test_post_punk_and_hardcore_hip_hop_are_not_heavy_but_pop_punk_and_post_grunge_are() -> None:
    """"Love My Way" (post-punk) was called heavy and played for "heavy lifting"."""
    assert not any(sounds_heavy(g) for g in ("post punk", "uk post punk", "dance punk", "hardcore hip hop", "new wave"))
    assert all(sounds_heavy(g) for g in ("pop punk", "post grunge", "hardcore punk", "post hardcore", "nu metal"))


def test_lifting_is_its_own_sound_hard_at_any_tempo_and_a_run_keeps_its_cadence() -> None:
    lifting = combine(moments_in("gym session, heavy lifting"))
    assert names("gym session, heavy lifting") == ["lifting"] and "tempo" not in lifting and lifting["energy"] > 0.85
    assert names("squats and deadlifts") == ["lifting"] and names("ジムで筋トレするときの曲") == ["lifting"]
    assert "tempo" in combine(moments_in("running playlist")) and names("gym playlist") == ["workout"]


def test_a_heavy_band_steps_back_from_a_quiet_moment_even_when_its_song_sounds_calm() -> None:
    """Led Zeppelin's "Kashmir" (acoustic 0.49, energy 0.54) played at a Sunday breakfast."""
    mellow = {"energy": 0.45, "valence": 0.6, "acousticness": 0.55}
    space = space_of([mellow] * 3, heavy=[0.0, 1.0, 0.5])
    breakfast = moments_in("sunday morning breakfast")
    plain, heavy, unknown = space.fit(combine(breakfast), breakfast)
    assert plain == unknown > heavy
    summer = moments_in("summer")
    assert len(set(space.fit(combine(summer), summer).tolist())) == 1


def test_a_genre_the_catalog_lacks_sets_the_target_where_it_stands_apart() -> None:
    """Where genres sit comes from how they sound (`catalog_truth.genre_sounds`, NaN where a genre sounds like
    music in general); two genres average where both speak, and a heavy one is heavy."""
    def row(**dims: float) -> list[float]:
        return [dims.get(d, np.nan) for d in AUDIO_DIMS]

    index = SimpleNamespace(genre_sound_names=np.array(["post rock", "black metal", "bossa nova"]),
                            genre_sound=np.array([row(energy=0.46, valence=0.21, instrumentalness=0.77),
                                                  row(energy=0.93, valence=0.21, acousticness=0.0),
                                                  row(valence=0.64, acousticness=0.64)], np.float32))
    post = genre_target(["post rock"], index)  # type: ignore[arg-type]
    assert post == {"energy": 0.46, "valence": 0.21, "instrumentalness": 0.77}
    both = genre_target(["post rock", "bossa nova"], index)  # type: ignore[arg-type]
    assert both["valence"] == round((0.21 + 0.64) / 2, 3) and both["acousticness"] == 0.64
    assert genre_target(["black metal"], index)["heavy"] == 1.0  # type: ignore[arg-type]
    assert "heavy" not in post and genre_target(["klezmer"], index) == {}  # type: ignore[arg-type]
    assert "travel" in names("songs for my long flight to Tokyo") and "travel" in names("비행기에서 들을 노래")


def test_a_sing_along_is_a_song_everybody_knows_and_karaoke_night_is_not_the_night() -> None:
    """The best-known recording makes a song known (the remaster's id is rarely played); a sing-along wants
    known songs over equally lively unknown ones, and an evening of karaoke is not a dark late-night mood."""
    index = SimpleNamespace(artist_keys=np.array(["queen", "queen", "nobody", "nobody"]),
                            names=np.array(["Bohemian Rhapsody - 2011 Remaster", "Bohemian Rhapsody", "B-side", "Deep cut"]),
                            popularity=np.array([0.1, 0.9, 0.3, 0.2], np.float32))
    known = familiarity(index)  # type: ignore[arg-type]
    assert known[0] == known[1] > known[2] > known[3]
    assert names("songs to sing along in the car") == ["driving", "sing-along"]
    assert names("karaoke night") == ["sing-along"] and names("late night drive") == ["night drive"]
    rows = [{"energy": 0.75, "speechiness": 0.05, "instrumentalness": 0.0}] * 2
    lively = space_of(rows, familiar=np.array([0.95, 0.3], np.float32))  # the same sound, one well known
    fit = lively.fit(combine(moments_in("karaoke")))
    assert fit[0] > fit[1] and "well known" in lively.describe(0, combine(moments_in("karaoke")))


def test_a_reason_calls_a_track_instrumental_only_when_it_clearly_is() -> None:
    """Reverb-heavy vocals ("Just Like Honey", 0.62) are not called instrumental; Tycho (0.9) is."""
    space = space_of([{"instrumentalness": 0.62}, {"instrumentalness": 0.9}])
    focus = combine(moments_in("focus"))
    assert "instrumental" not in space.describe(0, focus) and "instrumental" in space.describe(1, focus)


def test_moods_and_moments_people_name_every_day_set_the_sound() -> None:
    """Dark, intense, hopeful, a walk, background music, a thunderstorm, a Friday night out: each has a place in
    the space (they read as nothing, or as the wrong moment, before)."""
    assert names("dark moody vibes") == ["dark"] and combine(moments_in("dark moody vibes"))["valence"] < 0.3
    storm = moments_in("thunderstorm outside, something dark and intense")
    assert [m.name for m in storm] == ["rain", "dark", "intense"]
    assert combine(storm)["energy"] > 0.6  # the mood sets the sound; the storm outside is the setting
    assert names("music after dark") == ["night"]  # a time, not the mood
    assert combine(moments_in("something hopeful and uplifting"))["valence"] > 0.6
    assert combine(moments_in("happy songs to clean the house"))["speechiness"] < 0.1  # sung: not Lil Wayne
    assert names("walking the dog in the park") == ["walk"]
    assert names("background music for a dinner party") == ["cooking", "background"]  # dinner, not a party
    assert names("friday night lets goooo")[0] == "party" and names("friday night in, tea and a book")[0] != "party"
    assert names("Musik für einen verregneten Sonntag") == ["rain"]
    commute = "morning commute, something to wake me up"
    assert "uplifting" in wanted_in(commute, moments_in(commute))  # what the music should do


def test_a_quiet_french_evening_is_no_party_and_friends_over_are_their_own_moment() -> None:
    """"soirée tranquille au coin du feu" (a quiet evening by the fire) read "party, dance" and played Maroon 5;
    "gemütlicher Abend am Kamin" read "miserable, bad day"."""
    assert names("soirée tranquille au coin du feu") == ["calm", "winter"]
    assert names("gemütlicher Abend am Kamin") == ["calm", "winter"]
    assert names("une soirée dansante") == ["party"]
    for text in ("une soirée entre amis", "hanging out with friends", "친구들이랑 놀 때", "cena con amigos"):
        assert "friends" in names(text) and "party" not in names(text), text
    assert combine(moments_in("hanging out with friends"))["familiar"] > 0.5


def test_not_too_slow_moves_up_from_where_the_mood_is() -> None:
    sad = combine(moments_in("sad songs"))
    assert move(sad, {}, comparatives_in("sad songs but not too slow"))["energy"] > sad["energy"]


def test_a_named_tempo_is_read_in_bpm() -> None:
    assert bpm_in(fold("songs to run to at like 170 bpm")) == 0.85
    assert bpm_in(fold("120BPM house")) == 0.6
    assert bpm_in(fold("5 bpm")) is None and bpm_in(fold("top 40 hits")) is None


def test_a_calm_word_is_a_mood_and_only_more_of_it_a_comparative() -> None:
    calm = "雨の日に聴きたい落ち着いた曲"  # calm songs for a rainy day: not "calmer" than the rain
    assert comparatives_in(fold(calm), calm.lower()) == {} and names(calm) == ["calm", "rain"]
    calmer = "もっと落ち着いたロック"
    assert comparatives_in(fold(calmer), calmer.lower()) == {"energy": -1}
    assert names("퇴근길에 듣기 좋은 노래") == ["driving"]  # the way home from work


def test_a_mood_the_message_rules_out_is_not_its_moment() -> None:
    assert names("no sad songs please, just good vibes") == ["happy"]
    assert names("i don't want sad songs") == [] and names("anything but sad") == []
    assert names("nothing but sad songs") == ["sad"]  # only sad songs
    assert names("i need to calm down, anxious af") == ["calm"]  # calming down is not feeling down
