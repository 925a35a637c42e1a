"""How well a Chat2Tag parser reads messages, on a labelled set (data/chat2tag/eval.jsonl).

Each line holds a message, the tags a good DJ would pick (`tags`, all expected),
further acceptable tags (`also`), and the constraints it states. Measured:
- tag precision (a predicted tag is right when it is in tags ∪ also) and recall
  (share of `tags` found), exactly and by category (right kind of tag);
- music-vs-small-talk accuracy and message-language accuracy;
- per-constraint accuracy (exact match, over all messages) and recall (over the
  messages that state that constraint);
- parse latency, first pass (nothing cached) and repeated.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from recommender.intent import MAX_TRACKS, Intent
from recommender.metrics import latency_spread

CONSTRAINTS = ("genres", "exclude_genres", "artists", "like_artists", "exclude_artists", "era", "count", "language")


def load_labelled(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _as_set(value: Any) -> frozenset:
    if value is None:
        return frozenset()
    if isinstance(value, int):
        return frozenset([min(value, MAX_TRACKS)])  # "100 songs" gets the most a playlist holds
    return frozenset(value) if isinstance(value, list) else frozenset([value])


def _predicted(intent: Intent, field: str) -> frozenset:
    return _as_set(getattr(intent, field))


def evaluate_chat2tag(parse: Callable[[str], Intent], labelled: list[dict[str, Any]],
                      category: Callable[[str], str]) -> dict[str, Any]:
    cold: list[float] = []
    intents: list[Intent] = []
    for row in labelled:
        start = time.perf_counter()
        intents.append(parse(row["text"]))
        cold.append(time.perf_counter() - start)
    warm = []
    for row in labelled:
        start = time.perf_counter()
        parse(row["text"])
        warm.append(time.perf_counter() - start)

    tp = fp = found = wanted = 0
    cat_tp = cat_fp = cat_found = cat_wanted = 0
    per_lang: dict[str, list[float]] = {}
    music_right = lang_right = 0
    stated = {c: 0 for c in CONSTRAINTS}
    exact = {c: 0 for c in CONSTRAINTS}
    recalled = {c: 0 for c in CONSTRAINTS}
    all_right = 0
    mistakes: list[dict[str, Any]] = []
    for row, intent in zip(labelled, intents):
        music_right += intent.music == row["music"]
        lang_right += intent.lang == row["lang"]
        ok = True
        for c in CONSTRAINTS:
            gold, pred = _as_set(row.get(c)), _predicted(intent, c)
            exact[c] += gold == pred
            ok &= gold == pred
            if gold:
                stated[c] += 1
                recalled[c] += gold <= pred
        all_right += ok
        if not row["music"]:
            continue
        gold, good = set(row["tags"]), set(row["tags"]) | set(row.get("also", []))
        pred = [t.tag for t in intent.tags] if intent.music else []
        hits = sum(t in good for t in pred)
        tp, fp = tp + hits, fp + len(pred) - hits
        found, wanted = found + len(gold & set(pred)), wanted + len(gold)
        good_cats, gold_cats = {category(t) for t in good}, {category(t) for t in gold}
        pred_cats = [category(t) for t in pred]
        cat_hits = sum(c in good_cats for c in pred_cats)
        cat_tp, cat_fp = cat_tp + cat_hits, cat_fp + len(pred_cats) - cat_hits
        cat_found, cat_wanted = cat_found + len(gold_cats & set(pred_cats)), cat_wanted + len(gold_cats)
        recall = len(gold & set(pred)) / len(gold) if gold else 1.0
        per_lang.setdefault(row["lang"], []).append(recall)
        if recall == 0 or hits < len(pred) / 2:
            mistakes.append({"text": row["text"][:120], "predicted": pred, "expected": sorted(gold)})

    n = len(labelled)
    return {
        "messages": n,
        "music_requests": sum(r["music"] for r in labelled),
        "tags": {
            "precision": round(tp / max(tp + fp, 1), 4), "recall": round(found / max(wanted, 1), 4),
            "category_precision": round(cat_tp / max(cat_tp + cat_fp, 1), 4),
            "category_recall": round(cat_found / max(cat_wanted, 1), 4),
            "recall_by_language": {k: round(sum(v) / len(v), 4) for k, v in sorted(per_lang.items())},
        },
        "music_vs_small_talk_accuracy": round(music_right / n, 4),
        "language_accuracy": round(lang_right / n, 4),
        "constraints": {
            "all_right": round(all_right / n, 4),
            **{c: {"accuracy": round(exact[c] / n, 4), "recall": round(recalled[c] / max(stated[c], 1), 4),
                   "stated": stated[c]} for c in CONSTRAINTS},
        },
        "latency": {"first_pass": latency_spread([s * 1000 for s in cold]),
                    "repeated": latency_spread([s * 1000 for s in warm])},
        "worst": mistakes[:15],
    }


def plot_chat2tag(report: dict[str, Any], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tags = report["tags"]
    cons = report["constraints"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    names = ["precision", "recall", "category_precision", "category_recall"]
    left.bar(range(4), [tags[k] for k in names], color=["#4c72b0", "#dd8452", "#55a868", "#c44e52"])
    left.set_xticks(range(4), ["tag P", "tag R", "category P", "category R"])
    left.set_ylim(0, 1)
    left.set_title(f"Local Chat2Tag tags ({report['music_requests']} requests)")
    right.barh(list(CONSTRAINTS), [cons[c]["recall"] for c in CONSTRAINTS], color="#8172b3")
    right.set_xlim(0, 1)
    right.set_title("Constraint recall (messages stating it)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
