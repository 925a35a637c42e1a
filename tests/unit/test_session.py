"""A chat's session: what it remembers, how it changes, and its MongoDB document."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.core.messages import Incoming
from bot.core.session import REMEMBERED, Session, SessionStore, SessionTag
from recommender.intent import Intent, IntentTag
from recommender.types import Filters, Recommendation


def _tracks(*ids: str) -> list[Recommendation]:
    return [Recommendation(i, f"song {i}", "band", f"spotify:track:{i}", "", [], 1.0, "") for i in ids]


def test_a_request_replaces_the_last_and_the_document_round_trips() -> None:
    session = Session("telegram:1", "telegram:7")
    session.show(_tracks("a", "b"))
    intent = Intent(tags=[IntentTag(tag="rainy day", weight=0.9), IntentTag(tag="jazz", weight=0.5)], genres=["jazz"], era="90s")
    session.start("rainy jazz from the 90s", intent, size=20, like_artists=[], blend=[])
    assert [t.tag for t in session.tags] == ["rainy day", "jazz"] and session.size == 20
    assert session.filters == Filters(genres=frozenset({"jazz"}), eras=frozenset({"90s"}))
    session.show(_tracks("c"))
    assert Session.from_document(session.to_document()) == session


def test_a_document_from_an_older_version_loads_with_defaults() -> None:
    old = {"_id": "console:x", "user_id": "console:x", "last_text": "calm", "playlist": ["a"],
           "tags": [{"tag": "calm", "weight": 1.0, "on": True}]}
    session = Session.from_document(old)
    assert session.playlist == ["a"] and session.filters == Filters() and session.size is None
    assert session.weighted_tags[0].tag == "calm" and session.has_request


def test_toggling_a_genre_off_lifts_its_filter_and_on_keeps_it_off() -> None:
    session = Session("c:1", "c:1", tags=[SessionTag("jazz"), SessionTag("calm")],
                      filters=Filters(genres=frozenset({"jazz"})))
    assert session.toggle("jazz") and session.filters.genres == frozenset()
    assert [t.tag for t in session.tags if t.on] == ["calm"]
    assert session.toggle("jazz") and session.filters.genres == frozenset()  # back on as a tag, not a filter
    assert not session.toggle("metal")


def test_shown_and_removed_tracks_are_remembered_without_repeats_and_bounded() -> None:
    session = Session("c:1", "c:1")
    session.show(_tracks("a", "b"))
    session.show(_tracks("b", "c"))
    assert session.playlist == ["b", "c"] and session.shown == ["a", "b", "c"]
    session.show(_tracks(*(str(i) for i in range(REMEMBERED + 10))))
    assert len(session.shown) == REMEMBERED and session.shown[-1] == str(REMEMBERED + 9)
    for i in range(REMEMBERED + 5):
        session.remove(str(i))
    assert len(session.removed) == REMEMBERED and "0" not in session.disliked


def test_a_track_is_named_by_its_id_or_its_position() -> None:
    session = Session("c:1", "c:1", playlist=["x1", "x2", "x3"])
    assert session.track_at("x2") == "x2" and session.track_at("3") == "x3"
    assert session.track_at("0") is None and session.track_at("4") is None and session.track_at("two") is None
    assert Session("c:1", "c:1").track_at("1") is None


class _Users:
    def __init__(self) -> None:
        self.created: list[str] = []

    async def get_or_create(self, platform: str, user_id: str, display_name: str = "") -> dict[str, Any]:
        self.created.append(f"{platform}:{user_id}")
        return {"_id": f"{platform}:{user_id}"}


class _Sessions:
    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}

    async def load(self, session_id: str) -> dict[str, Any] | None:
        return self.docs.get(session_id)

    async def save(self, doc: dict[str, Any]) -> bool:
        self.docs[doc["_id"]] = {**doc, "version": doc["version"] + 1}  # as the repository stores it
        return True


def test_a_chats_first_message_makes_the_user_record_and_a_returning_chat_costs_one_read() -> None:
    users, sessions = _Users(), _Sessions()
    store = SessionStore(users, sessions)  # type: ignore[arg-type]
    msg = Incoming("telegram", "7", "7", "calm")

    async def two_turns() -> Session:
        first = await store.open(msg)
        await store.save(first)
        return await store.open(msg)

    again = asyncio.run(two_turns())
    assert users.created == ["telegram:7"] and again.id == "telegram:7" and again.version == 1
