from recommender.cues import cue_candidates


def sad(folded: str) -> bool:
    return any("sad" in tags for _, tags in cue_candidates(folded))


def test_being_alone_is_sad_only_when_it_is_felt() -> None:
    """"late night drive alone" read sad and opened with Adele's and Leona Lewis's ballads."""
    assert not sad("late night drive alone") and not sad("long walk alone") and not sad("dancing alone")
    assert sad("feeling so alone tonight") and sad("i m alone again") and sad("all alone") and sad("so lonely")
