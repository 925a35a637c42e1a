"""Katakana artist names back to Latin letters (cutlet with UniDic's foreign spellings); the catalog stands in."""

from __future__ import annotations

from recommender.kana_names import KanaNames

CATALOG = {"queen": "Queen", "eminem": "Eminem", "madonna": "Madonna", "the beatles": "The Beatles",
           "train": "Train"}


def _named(name: str) -> str | None:
    lowered = name.lower()
    return CATALOG.get(lowered) or CATALOG.get(f"the {lowered}")


def test_a_katakana_name_is_written_as_the_catalog_spells_it_with_what_it_is_to_the_request() -> None:
    kana = KanaNames(_named)
    assert kana.latin("クイーンの曲が聴きたい").split()[:2] == ["by", "Queen"]
    assert kana.latin("マドンナみたいなポップ").split()[:2] == ["like", "Madonna"]
    assert kana.latin("ビートルズ以外").split()[:3] == ["no", "The", "Beatles"]


def test_other_katakana_stays_as_it_was() -> None:
    kana = KanaNames(_named)
    for text in ("ジムで筋トレするときの曲", "ドライブで聴く曲", "カフェで流れてそうな曲"):
        assert kana.latin(text) == text  # a compound's トレ is no Train; loanwords name no artist here
