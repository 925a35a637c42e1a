from recommender.names import artist_key, title_key, track_key
from recommender.tagging import (
    decade_of_year,
    decade_years,
    era_tag,
    is_noise,
    is_year,
    normalise_tag,
)


def test_spelling_variants_share_one_form() -> None:
    assert normalise_tag("Hip-Hop") == normalise_tag("hiphop") == normalise_tag("hip hop") == "hip hop"
    assert normalise_tag("chill out") == normalise_tag("Chillout") == "chillout"
    assert normalise_tag("R&B") == normalise_tag("rnb") == "rnb"
    assert normalise_tag("80's") == normalise_tag("1980s") == "80s"
    assert normalise_tag("2000s") == "00s"


def test_personal_and_rating_tags_are_noise() -> None:
    for tag in ("favorites", "seen live", "8 of 10 stars", "albums i own", "1999", "<3"):
        assert is_noise(normalise_tag(tag)), tag
    for tag in ("sad", "summer", "80s", "rock", "korean", "workout"):
        assert not is_noise(normalise_tag(tag)), tag


def test_decades() -> None:
    assert decade_of_year(1994) == "90s"
    assert decade_of_year(2004) == "00s"
    assert decade_of_year(2019) == "2010s"
    assert decade_of_year(0) is None


def test_artist_names_join_across_datasets() -> None:
    assert artist_key("Björk") == artist_key("bjork")
    assert artist_key("Beyoncé (feat. JAY-Z)") == "beyonce"
    assert track_key("Queen", "Bohemian Rhapsody - Remastered 2011") == track_key("queen", "Bohemian Rhapsody")
    assert title_key("Mr. Brightside (feat. Someone) - 2004 Remaster") == "mr brightside"  # as typed in chat


def test_a_span_of_decades_and_versions_of_one_song() -> None:
    assert decade_years("80s-90s") == (1980, 1999) and decade_years("90s-80s") is None
    assert decade_years("early 2010s") == (2010, 2014)
    assert decade_years("2019") == (2018, 2019) and is_year("2019") and not is_year("90s")
    assert decade_years("1987-1997") == (1987, 1997)
    assert era_tag("2019") == "2010s" and era_tag("1996") == "90s" and era_tag("early 2010s") == "2010s"
    same = {track_key("2Pac", t) for t in ("California Love - Original Version", "California Love (Explicit)",
                                           "California Love - 2011 Remaster", "California Love")}
    assert same == {"2pac|california love"}
    for version, song in (("Moves Like Jagger - Studio Recording From The Voice Performance", "Moves Like Jagger"),
                          ('Love Me Like You Do - From "Fifty Shades Of Grey"', "Love Me Like You Do"),
                          ("Behind Blue Eyes - Original Album Version", "Behind Blue Eyes"),
                          ("Bohemian Rhapsody - 2011 Mix", "Bohemian Rhapsody")):
        assert track_key("Maroon 5", version) == track_key("Maroon 5", song)
    assert track_key("2Pac", "Live Forever") != track_key("2Pac", "Forever")
