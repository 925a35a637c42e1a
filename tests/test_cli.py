"""The `suggestify` console script as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

from bot.app.wiring import App
from recommender.metrics import ABLATIONS
from tests.cli_runner import run


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
    assert any("you play" in t["reason"] for t in json.loads(res.stdout)["tracks"])


def test_run_without_tokens_is_the_console_and_exits_on_eof(app: App) -> None:
    res = run(app, "run", stdin="")
    assert res.returncode == 0, res.stderr
    assert "I'm Suggestify" in res.stdout and "Bye" in res.stdout
    assert "Traceback" not in res.stderr


def test_eval_prints_and_writes_every_protocol(app: App, tmp_path: Path) -> None:
    res = run(app, "eval", "--epochs", "3", "--seed", "1", "--out", str(tmp_path), "--json")
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert report == json.loads((tmp_path / "eval.json").read_text())
    assert (tmp_path / "eval.png").stat().st_size > 10_000 and (tmp_path / "training.png").stat().st_size > 5_000
    assert report["protocol"]["seed"] == 1 and report["protocol"]["cf"]["items_ranked"] > 10_000
    expected = {"cf": {"graphsage", "popularity", "itemknn", "ease", "als"},
                "tag": {"graphsage", "cbf", "popularity", "itemknn", "ease", "als"},
                "text2playlist": {"graphsage", "tag_model", "content", "cbf", "popularity", *ABLATIONS},
                "ingest_then_ask": {"graphsage", "tag_model", "content", "cbf", "popularity", *ABLATIONS}}
    for protocol, models in expected.items():
        assert set(report[protocol]) == models
        for metrics in report[protocol].values():
            assert set(metrics) == {"ndcg@10", "ndcg@20", "ndcg@100", "recall@10", "recall@20", "recall@100"}
            assert all(0.0 <= v <= 1.0 for v in metrics.values())
    # The protocol ranks real held-out data: EASE clearly beats popularity on HetRec.
    assert report["cf"]["ease"]["ndcg@100"] > 1.5 * report["cf"]["popularity"]["ndcg@100"]
    # GraphSAGE against the best other model of each protocol, with a paired interval around the gap.
    for protocol, vs in report["graphsage_vs_best"].items():
        best = max(set(report[protocol]) - {"graphsage", *ABLATIONS}, key=lambda m: report[protocol][m]["ndcg@100"])
        gap = report[protocol]["graphsage"]["ndcg@100"] - report[protocol][best]["ndcg@100"]
        assert vs["baseline"] == best and abs(vs["mean"] - gap) < 1e-3 and vs["ci95"][0] <= vs["mean"] <= vs["ci95"][1]


def test_bench_measures_both_backends(app: App) -> None:
    res = run(app, "bench", "--rounds", "10", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    for backend in ("graphsage", "content"):
        b = out[backend]
        assert b["requests"] == 10 and 0 < b["p50_ms"] <= b["p99_ms"] and b["playlists_per_s"] > 0
        assert b["cold_start_s"] > 0 and b["peak_rss_mb"] > 100
        assert 0 < b["ranking_only"]["p50_ms"]
        mix = b["personalisation"]  # the same mood playlists for 40 HetRec listeners
        assert mix["listeners"] == 40 and 0 <= mix["pairwise_jaccard"] <= 1 and 0 <= mix["by_artists_they_play"] <= 1
    assert out["ratio_graphsage_over_content"]["p50_ms"] > 0
