"""docs/evaluation.md and docs/benchmarks.md are rendered from the commands' JSON, not written by hand."""

from __future__ import annotations

import json
from pathlib import Path

from recommender.eval_docs import write


def block(fit: float) -> dict:
    part = {"n": 4, "fit": fit, "hard": 1.0, "random": 0.1, "lift": fit / 0.1,
            "by_type": {"mood": {"n": 4, "fit": fit, "hard": 1.0, "random": 0.1, "lift": fit / 0.1}},
            "by_lang": {"en": {"n": 4, "fit": fit, "hard": 1.0, "random": 0.1, "lift": fit / 0.1}}}
    return {"tune": part, "report": part, "all": part, "hard_below_1": []}


def test_the_page_carries_the_measured_numbers(tmp_path: Path) -> None:
    fit = {"k": 10, "requests": 4, "served": block(0.8125), "content": block(0.5), "cbf": block(0.25)}
    (tmp_path / "fit.json").write_text(json.dumps(fit))
    for seed, value in ((0, 0.3711), (1, 0.3699)):
        models = {"graphsage": {"ndcg@100": value}, "ease": {"ndcg@100": 0.3700}}
        report = {"protocol": {"seed": seed}, "cf": models,
                  "graphsage_vs_best": {"cf": {"baseline": "ease", "mean": value - 0.37, "ci95": [-0.01, 0.01]}}}
        (tmp_path / f"seed{seed}").mkdir()
        (tmp_path / f"seed{seed}" / "eval.json").write_text(json.dumps(report))
    c2t = {"messages": 277, "music_requests": 252, "music_vs_small_talk_accuracy": 0.9964, "language_accuracy": 0.9892,
           "tags": {"precision": 0.6387, "recall": 0.5968, "category_precision": 0.9438, "category_recall": 0.8162,
                    "recall_by_language": {"en": 0.6179, "ko": 0.2917}},
           "constraints": {"all_right": 0.9097, "genres": {"accuracy": 0.97, "recall": 0.973, "stated": 37}},
           "latency": {"first_pass": {"p50_ms": 2.47, "p99_ms": 121.84}, "repeated": {"p50_ms": 2.9, "p99_ms": 36.95}}}
    (tmp_path / "chat2tag.json").write_text(json.dumps(c2t))
    page = write(tmp_path, tmp_path / "docs").read_text()
    assert "0.812" in page and "0.3711" in page and "0.3699" in page
    assert "0.639 / 0.597" in page and "en 0.62, ko 0.29" in page and "2.47 / 121.84 ms" in page
    assert "| seed 0 | seed 1 |" in page


def test_the_benchmark_page_carries_latency_and_throughput(tmp_path: Path) -> None:
    def backend(p50: float, per_s: float) -> dict:
        return {"p50_ms": p50, "p99_ms": p50 * 2, "playlists_per_s": per_s, "requests": 300,
                "ranking_only": {"p50_ms": 1.25, "p99_ms": 2.5}, "cold_start_s": 5.5, "peak_rss_mb": 1400.0,
                "personalisation": {"listeners": 40, "pairwise_jaccard": 0.29, "by_artists_they_play": 0.2,
                                    "with_an_asked_tag": 0.12}}

    served = backend(15.25, 66.5) | {"first_seen_messages": {"p50_ms": 13.75, "p99_ms": 54.5, "requests": 237},
                                     "first_start": {"seconds": 151.2, "peak_rss_mb": 2210.0, "quick_model_epochs": 30},
                                     "scaled_catalog": {"factor": 10, "tracks": 283500, "p50_ms": 17.5, "p99_ms": 30.0,
                                                        "ranking_only": {"p50_ms": 9.25, "p99_ms": 12.0},
                                                        "exact_ranking_only": {"p50_ms": 24.5, "p99_ms": 40.0},
                                                        "top_recall": {"mean": 0.96, "min": 0.8, "playlists": 40},
                                                        "peak_rss_mb": 4700.0, "model_load_s": 9.9}}
    bench = {"machine": {"cpus": 2, "python": "3.11.7"}, "playlist_size": 20, "graphsage": served,
             "content": backend(21.5, 47.1)}
    (tmp_path / "bench.json").write_text(json.dumps(bench))
    write(tmp_path, tmp_path / "docs")
    page = (tmp_path / "docs" / "benchmarks.md").read_text()
    assert "15.25 / 30.50 ms" in page and "21.50 / 43.00 ms" in page
    assert "66.5 playlists/s" in page and "47.1 playlists/s" in page and "13.75 / 54.50 ms" in page
    assert "30-epoch quick model" in page and "151.2 s, peak RSS 2210 MB" in page
    assert "9.25 / 12.00 ms" in page and "exact ranking (no shortlist), p50 / p99 | 24.50 / 40.00 ms" in page
    assert "mean / worst of 40 | 0.96 / 0.8" in page
