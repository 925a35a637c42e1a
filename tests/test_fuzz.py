"""Fuzzing with Hypothesis: odd Unicode (zero-width, right-to-left, emoji, 100 kB pastes), Bot API update
JSON, callback data and CSV rows. No handler raises, nothing falls back to the generic "something went
wrong", and every reply fits its platform's limits. 1,500 cases in all, seeded (derandomized) so CI is
repeatable."""

from __future__ import annotations

import csv
import io
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update

from adapters.discord_render import DESCRIPTION_MAX, TITLE_MAX, build_embed, build_view
from adapters.telegram_bot import (
    MAX_CALLBACK_BYTES,
    MAX_MESSAGE_CHARS,
    keyboard,
    render_text,
    units,
)
from bot.app.wiring import App
from bot.core.messages import Incoming
from recommender.ingest import _parse_row

GENERIC = "something went wrong"
ODD = st.sampled_from(["\u200b", "\u200d", "\u202e", "\u2066", "\ufeff", "\u0301", "🌧️", "👨‍👩‍👧", "🇰🇷",
                       "ﷺ", "𝕽", "\x00", "\r\n", "\t", "/", "@", "<b>", "&amp;", "[x](http://e.x)", "비", "雨"])
WORDS = st.sampled_from(["rainy", "sunday", "no rap", "like radiohead", "90s", "/more", "/remove 3", "/toggle",
                         "/taste", "/blend", "/forget", "/export jspf", "happier", "🎸", "ラップ以外", "힙합 말고"])
TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(ODD, WORDS, st.text(max_size=8)), max_size=40).map(" ".join),
    st.builds(lambda piece, n: piece * n, st.one_of(ODD, WORDS), st.integers(1, 25_000)),  # up to ~100 kB
)
_ids = itertools.count()


def fuzz(cases: int) -> settings:
    return settings(max_examples=cases, derandomize=True, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def within_platform_limits(reply) -> None:
    text = render_text(reply)
    assert 0 < units(text) <= MAX_MESSAGE_CHARS
    markup = keyboard(reply)
    if markup is not None:
        for row in markup.inline_keyboard:
            for button in row:
                assert 0 < len(button.callback_data.encode()) <= MAX_CALLBACK_BYTES
    embed = build_embed(reply)
    assert len(embed.title or "") <= TITLE_MAX and 0 < len(embed.description or "") <= DESCRIPTION_MAX
    view = build_view(reply, owner_id=1)
    assert view is None or len(view.children) <= 25


@fuzz(400)
@given(text=TEXT)
async def test_any_message_gets_a_real_answer_within_every_platform_limit(app: App, text: str) -> None:
    user = f"fuzz{next(_ids)}"  # one listener per case: the rate limit is not what this test is about
    reply = await app.core.handle(Incoming("console", user, user, text))
    assert reply.text and GENERIC not in reply.text.lower(), (text[:80], reply.text)
    within_platform_limits(reply)


@fuzz(500)
@given(text=TEXT)
def test_chat2tag_reads_anything(app: App, text: str) -> None:
    intent = app.core.s.chat2tag.parse(text)  # type: ignore[attr-defined]
    assert len(intent.tags) <= 10 and all(t.tag for t in intent.tags)


UPDATE = st.fixed_dictionaries({"update_id": st.integers(0, 2**31)}, optional={
    "message": st.fixed_dictionaries({
        "message_id": st.integers(0, 2**31), "date": st.integers(0, 2**31),
        "chat": st.fixed_dictionaries({"id": st.integers(-2**40, 2**40),
                                       "type": st.sampled_from(["private", "group", "supergroup", "channel"])}),
    }, optional={"text": TEXT, "from": st.fixed_dictionaries(
        {"id": st.integers(1, 2**40), "is_bot": st.booleans(), "first_name": st.text(max_size=64)})}),
    "callback_query": st.fixed_dictionaries({
        "id": st.text(min_size=1, max_size=20), "chat_instance": st.text(max_size=20),
        "from": st.fixed_dictionaries({"id": st.integers(1, 2**40), "is_bot": st.booleans(),
                                       "first_name": st.text(max_size=64)}),
    }, optional={"data": st.text(max_size=64)}),
})


@fuzz(300)
@given(data=UPDATE)
async def test_update_json_and_callback_data_reach_the_core_safely(app: App, data: dict) -> None:
    """Whatever the Bot API sends, the text the handlers pass on is answered like any message."""
    update = Update.de_json(data, bot=None)
    user = update.effective_user
    text = (update.effective_message.text if update.effective_message else None) or \
        (update.callback_query.data if update.callback_query else None) or ""
    chat = update.effective_chat
    incoming = Incoming("telegram", str(user.id if user else 0), str(chat.id if chat else user.id if user else 0), text)
    reply = await app.core.handle(incoming)
    assert reply.text and GENERIC not in reply.text.lower()
    within_platform_limits(reply)


CELL = st.one_of(st.text(max_size=40), st.sampled_from(["", "0.5", "nan", "inf", "-1", "1e309", "2024", "１２"]))


@fuzz(300)
@given(row=st.fixed_dictionaries({
    "track_id": st.one_of(CELL, st.from_regex(r"[A-Za-z0-9]{22}", fullmatch=True)),
    **{c: CELL for c in ("name", "artist", "tags", "valence", "energy", "tempo", "year")}}))
def test_a_csv_row_is_a_track_or_a_clear_error(row: dict) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    parsed = next(csv.DictReader(io.StringIO(buffer.getvalue())))
    try:
        track = _parse_row(parsed)
    except ValueError as error:
        assert str(error)
        return
    assert track.track_id and track.name and track.artist and len(track.tags) <= 50
    assert all(0 <= v or k in ("loudness",) for k, v in track.features.items())


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
