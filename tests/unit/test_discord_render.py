"""Discord replies rendered within Discord's limits: pure, no gateway."""

from __future__ import annotations

from adapters.discord_render import DESCRIPTION_MAX, build_embed, build_view, render
from bot.core.export import export_reply
from bot.core.messages import Action, Reply, TagChip
from recommender.types import Recommendation


def test_a_long_text_is_cut_at_a_line_and_keeps_its_file() -> None:
    tracks = [Recommendation(f"{i:022d}", "Song " + "x" * 150, "Artist", "spotify:track:x",
                             f"https://open.spotify.com/track/{i:022d}", [], 1.0, "") for i in range(30)]
    export = export_reply("long", tracks)
    assert len(export.text) <= DESCRIPTION_MAX  # an export lists only as many links as a message holds
    reply = Reply("\n".join(f"{i}. {t.artist} — {t.name}\n   {t.url}" for i, t in enumerate(tracks, 1)),
                  attachments=export.attachments)
    rendered = render(reply, owner_id=1)
    description = rendered.embed.description or ""
    assert len(reply.text) > DESCRIPTION_MAX and len(description) <= DESCRIPTION_MAX
    assert description.endswith("\n…") and reply.text.startswith(description.removesuffix("\n…") + "\n")
    assert [f.filename for f in rendered.files] == ["long.m3u"] and "files" in rendered.for_send()
    assert rendered.for_edit()["attachments"] == rendered.files


def test_replies_are_cut_to_discords_limits() -> None:
    long = "x" * 500
    playlist = [Recommendation(f"{i:022d}", f"Song {long} [live]", f"*Artist* {long}", "spotify:track:x",
                               f"https://open.spotify.com/track/{i} (x)", [], 1.0, long) for i in range(60)]
    tags = [f"tag {i} " + "y" * (100 if i == 3 else 5) for i in range(30)]
    reply = Reply(
        text="Here's your playlist " + long,
        playlist=playlist,
        tags=[TagChip(t, i % 2 == 0) for i, t in enumerate(tags)],
        suggestions=[f"mood {i}" for i in range(40)],
        actions=[Action("More like this", "/more", "more"), *(Action(f"✓ {t} {long}", f"/toggle {t}", "tag")
                                                              for t in tags),
                 *(Action(f"✖ {i}", f"/remove {t.track_id}", "remove") for i, t in enumerate(playlist, 1)),
                 Action("👍", "/feedback up", "feedback"), Action("👎", "/feedback down", "feedback")],
    )
    embed = build_embed(reply)
    assert len(embed.title or "") <= 256 and len(embed.description or "") <= 4096 and len(embed) <= 6000
    assert (embed.description or "").rstrip().endswith("more")  # says how many did not fit
    view = build_view(reply, owner_id=123456789012345678)
    assert view is not None
    rows = view.to_components()
    assert len(rows) <= 5 and all(len(row["components"]) <= 5 for row in rows)
    components = [c for row in rows for c in row["components"]]
    assert all(len(c["custom_id"]) <= 100 for c in components)
    assert all(len(c.get("label", "")) <= 80 for c in components if c["type"] == 2)
    select = next(c for c in components if c["type"] == 3)
    assert len(select["options"]) == 25 and all(len(o["label"]) <= 100 for o in select["options"])
    assert any("/more" in c["custom_id"] for c in components)
    assert not any(tags[3] in c["custom_id"] for c in components)  # too long for a custom_id: left out, not cut
    assert build_view(Reply("Thanks!"), owner_id=1) is None
