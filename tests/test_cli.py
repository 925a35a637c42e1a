"""The `suggestify` console script as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.app import App

SCRIPT = str(Path(sys.executable).with_name("suggestify"))


def run(app: App, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "MONGO_URI": app.settings.mongo_uri or "",
        "SUGGESTIFY_DB": app.settings.db_name,
        "SUGGESTIFY_HOME": str(app.settings.home),
    }
    return subprocess.run([SCRIPT, *args], input=stdin, capture_output=True, text=True, env=env, timeout=300)


def test_recommend_json(app: App) -> None:
    res = run(app, "recommend", "--text", "rainy sunday morning, feeling nostalgic", "--k", "20", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["tags"] and len(out["tracks"]) == 20
    assert len({t["track_id"] for t in out["tracks"]}) == 20
    for t in out["tracks"]:
        for field in ("track_id", "name", "artist", "uri", "tags", "score", "reason"):
            assert t[field] not in (None, "", []), field


def test_recommend_for_a_hetrec_user(app: App) -> None:
    res = run(app, "recommend", "--text", "energetic workout", "--user", "hetrec:2", "--k", "5", "--json")
    assert res.returncode == 0, res.stderr
    assert any("fits your taste" in t["reason"] for t in json.loads(res.stdout)["tracks"])


def test_run_without_tokens_is_the_console_and_exits_on_eof(app: App) -> None:
    res = run(app, "run", stdin="")
    assert res.returncode == 0, res.stderr
    assert "I'm Suggestify" in res.stdout and "Bye" in res.stdout
    assert "Traceback" not in res.stderr
