"""What an understood request rules in and out."""

from recommender.intent import Intent


def test_a_lacking_genre_filters_nothing_unless_the_catalog_has_genres_near_it() -> None:
    """"J-pop" with a handful of tracks and nothing near it filters nothing (a filter would fall back to pop);
    shoegaze with dream pop near it keeps to dream pop and the few shoegaze tracks."""
    assert not Intent(genres=["j pop"], missing_genres=["j pop"]).filters()
    near = Intent(genres=["shoegaze"], missing_genres=["shoegaze"], nearest_genres=["dream pop", "nu gaze"],
                  era="90s")
    assert near.filters().genres == {"shoegaze", "dream pop", "nu gaze"} and near.filters().eras == {"90s"}
    assert Intent(genres=["jazz"], language="korean").filters().genres == {"jazz", "korean"}


def test_an_artist_without_songs_here_is_played_as_a_likeness_and_said_so() -> None:
    """"Songs by Air" when the catalog has none of Air's: music like theirs, not a filter nothing passes."""
    intent = Intent(artists=["air", "queen"]).without_songless_artists(lambda key: key == "queen")
    assert intent.artists == ["queen"] and intent.missing_artists == ["air"] and intent.like_artists == ["air"]
    assert intent.filters().artists == {"queen"}
    same = Intent(artists=["queen"])
    assert same.without_songless_artists(lambda key: True) is same
