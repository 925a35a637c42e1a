"""Evaluation results as pictures: NDCG/Recall per model and protocol, and the training curve."""

from __future__ import annotations

from pathlib import Path
from typing import Any

PROTOCOLS = ("cf", "tag", "text2playlist", "ingest_then_ask")
METRICS = ("ndcg@10", "ndcg@20", "ndcg@100", "recall@20", "recall@100")
COLOURS = {"graphsage": "tab:blue", "popularity": "tab:gray", "itemknn": "tab:green", "ease": "tab:red",
           "als": "tab:purple", "cbf": "tab:olive", "content": "tab:orange"}


def plot_report(report: dict[str, Any], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    protocols = [p for p in PROTOCOLS if p in report]
    fig, axes = plt.subplots(1, len(protocols), figsize=(6 * len(protocols), 4.5), squeeze=False)
    for ax, p in zip(axes[0], protocols):
        models = list(report[p])
        width = 0.8 / len(models)
        x = np.arange(len(METRICS))
        for i, m in enumerate(models):
            values = [report[p][m].get(k, 0.0) for k in METRICS]
            ax.bar(x + i * width, values, width, label=m, color=COLOURS.get(m),
                   edgecolor="black" if m == "graphsage" else None)
        ax.set_xticks(x + 0.4 - width / 2, METRICS, rotation=20)
        ax.set_title({"cf": "CF: HetRec user → artist", "tag": "Tag: artist → held-out tags",
                      "text2playlist": "Text → playlist (held-out TidyTuesday)",
                      "ingest_then_ask": "Ingest, then ask by name (new tracks)"}[p])
        ax.legend(fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle(f"Suggestify offline evaluation (seed {report.get('protocol', {}).get('seed', '?')})")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_training(history: list[dict[str, float]], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for key in sorted({k for h in history for k in h}):
        ax.plot([h.get(key) for h in history], label=key)
    ax.set_xlabel("epoch")
    ax.set_ylabel("softmax loss on hidden edges")
    ax.set_title("GraphSAGE training")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
