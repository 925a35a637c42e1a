"""New tracks from a CSV: validated per row, mapped onto the vocabulary, recommendable at once."""

from __future__ import annotations

import json
from pathlib import Path

from bot.app.wiring import App
from tests.cli_runner import run

CSV = """track_id,name,artist,tags,valence,energy,tempo
ingest00000000000000001,Puddles on the Porch,The Drizzles,rainy day;melancholic;Nostalgia;seen live,0.2,0.3,80
ingest00000000000000002,Snowfall Waltz,Winter Choir,winter;christmass;calm,0.4,0.1,70
bad id!,Broken,Someone,sad,0.5,0.5,100
ingest00000000000000003,,Nobody,sad,0.5,0.5,100
ingest00000000000000004,Too Loud,Loud Band,rock,2.5,0.5,100
ingest00000000000000005,No Tags At All,Radiohead,,,,
"""


async def test_ingest_reports_bad_rows_and_serves_good_ones(app: App, tmp_path: Path) -> None:
    path = tmp_path / "new.csv"
    path.write_text(CSV)
    res = run(app, "ingest", "tracks", str(path))
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["added"] == 3
    assert [e["line"] for e in out["errors"]] == [4, 5, 6]
    assert "line 6: valence=2.5" in res.stderr

    rec = run(app, "recommend", "--text", "rainy day, melancholic and nostalgic", "--k", "10", "--json")
    playlist = json.loads(rec.stdout)["tracks"]
    assert "ingest00000000000000001" in [t["track_id"] for t in playlist]

    # In the database with its tags mapped onto the vocabulary ("seen live" says nothing about the sound), and a
    # known artist lends its tags to a track that has none.
    tracks = app.storage.db["tracks"]
    puddles, snowfall = [await tracks.find_one({"_id": f"ingest0000000000000000{i}"}) for i in (1, 2)]
    assert puddles is not None and "rainy day" in puddles["tags"] and "seen live" not in puddles["tags"]
    assert snowfall is not None and "winter" in snowfall["tags"]
    radiohead = await tracks.find_one({"_id": "ingest00000000000000005"})
    assert radiohead is not None and radiohead["tags"]

    # Idempotent: the same file again adds nothing new.
    again = json.loads(run(app, "ingest", "tracks", str(path)).stdout)
    assert again["catalog_size"] == out["catalog_size"]
