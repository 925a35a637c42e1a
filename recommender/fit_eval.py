"""`suggestify eval fit`: do the songs fit the sentence? Each labelled request goes through Chat2Tag and
each ranker, as a new listener would send it; the top 10 are judged by `fit_judge` on facts no ranker uses
as a label. Requests are split once, by a hash of their id, into a tune half (where ranking weights may be
chosen) and a report half (never tuned on); both are reported."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from recommender.fit_judge import FitRequest, TrackFacts, fit_at_k, random_fit, summarise

Ranker = Callable[[str], list[str]]  # request text -> track ids, best first


def half(request: FitRequest) -> str:
    """'tune' or 'report', fixed by the request's id."""
    return "tune" if hashlib.sha256(request.id.encode()).digest()[0] % 2 == 0 else "report"


def evaluate_fit(rankers: dict[str, Ranker], requests: list[FitRequest], facts: TrackFacts, k: int = 10,
                 progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in rankers}
    examples: list[dict[str, Any]] = []
    for i, request in enumerate(requests):
        baseline = random_fit(facts, request, k)
        for name, rank in rankers.items():
            ids = rank(request.text)[:k]
            judged = fit_at_k(facts, request, ids, k)
            rows[name].append({"id": request.id, "type": request.type, "lang": request.lang, "half": half(request),
                               "fit": judged["fit"], "hard": judged["hard"], "random": baseline})
            if name == "served" and judged["fit"] < 0.5 and half(request) == "tune":  # read to find bugs: tune only
                examples.append({"id": request.id, "text": request.text, "fit": judged["fit"]})
        if progress:
            progress(i + 1)
    report: dict[str, Any] = {"k": k, "requests": len(requests)}
    for name, model_rows in rows.items():
        report[name] = {part: summarise([r for r in model_rows if r["half"] == part]) for part in ("tune", "report")}
        report[name]["all"] = summarise(model_rows)
        report[name]["hard_below_1"] = [r["id"] for r in model_rows if r["hard"] < 1.0]
    report["served_misfits"] = examples
    # Per request, so two runs compare request by request (and fixes to read requests can be set apart).
    report["served_by_request"] = {r["id"]: round(r["fit"], 3) for r in rows.get("served", [])}
    return report


def plot_fit(report: dict[str, Any], path: Path) -> Path:
    """fit@10 by request type, one bar per ranker, with the random-track line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    models = [m for m in report if isinstance(report[m], dict) and "all" in report[m]]
    types = sorted(report[models[0]]["all"]["by_type"])
    x = np.arange(len(types))
    fig, ax = plt.subplots(figsize=(11, 4.5))
    width = 0.8 / len(models)
    for i, model in enumerate(models):
        by_type = report[model]["all"]["by_type"]
        ax.bar(x + i * width, [by_type[t]["fit"] for t in types], width, label=model)
    random = report[models[0]]["all"]["by_type"]
    ax.scatter(x + 0.4 - width / 2, [random[t]["random"] for t in types], color="black", marker="_", s=300,
               label="random tracks", zorder=3)
    ax.set_xticks(x + 0.4 - width / 2, types, rotation=30)
    ax.set_ylabel(f"fit@{report['k']}")
    ax.set_ylim(0, 1)
    ax.set_title(f"Do the songs fit the request? ({report['requests']} labelled requests)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
