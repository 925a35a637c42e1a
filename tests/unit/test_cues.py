from recommender.cues import cue_candidates


def sad(folded: str) -> bool:
    return any("sad" in tags for _, tags in cue_candidates(folded))


def test_being_alone_is_sad_only_when_it_is_felt() -> None:
    """"late night drive alone" read sad and opened with Adele's and Leona Lewis's ballads."""
    assert not sad("late night drive alone") and not sad("long walk alone") and not sad("dancing alone")
    assert sad("feeling so alone tonight") and sad("i m alone again") and sad("all alone") and sad("so lonely")


def test_a_weekend_night_spent_in_is_no_party() -> None:
    """"Quiet friday night at home" and "staying in on a saturday night" read as a night out and played David
    Guetta; a party at home is still a party."""
    party = lambda folded: any("party" in tags for _, tags in cue_candidates(folded))  # noqa: E731
    assert not party("quiet friday night at home") and not party("staying in on a saturday night")
    assert not party("home alone on a friday night")
    assert party("friday night") and party("saturday night out with friends")
    assert party("house party at home on friday night")
