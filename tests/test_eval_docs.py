"""docs/evaluation.md is rendered from evaluation JSON, not written by hand. Pure: no catalog."""

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
    page = write(tmp_path, tmp_path / "docs").read_text()
    assert "0.812" in page and "0.3711" in page and "0.3699" in page
    assert "| seed 0 | seed 1 |" in page
