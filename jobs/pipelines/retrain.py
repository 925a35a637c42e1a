"""Retraining automation (the original report's future work): `suggestify retrain`, and the same
as a scheduled job every `SUGGESTIFY_RETRAIN_HOURS`.

One run:
1. Ingests every `*.csv` in the inbox (`SUGGESTIFY_HOME/inbox`, the format of `suggestify ingest
   tracks`). Each file is then moved to `inbox/done/` or, when nothing in it could be read,
   to `inbox/failed/` beside a `.reason.txt`; moved names get a time stamp, so nothing is
   overwritten and nothing is ingested twice. A crash between ingesting and moving ingests
   the file again next time, which is harmless: ingest replaces tracks by id. Drop files
   atomically (write `name.csv.part` or `.name.csv`, then rename): only `*.csv` not starting
   with a dot are read.
2. Skips training when nothing is new (no `--force`): the training inputs — catalog build,
   index tracks and tags, users' events — digest the same as the served version's, or as
   the last rejected candidate's (the same data would train the same model again).
3. Trains a candidate in a thread (the bot keeps answering) and stages it, unserved.
4. The gate. Every version is trained without the same fixed, seeded validation slice of
   HetRec plays (a quarter of the listeners, a fifth of their artists each: ~5 % of plays,
   drawn from the shipped data only, so ingests and new users never move it) — see
   `recommender.evaluation.validation_slice`. Candidate and served version are scored on
   it now, by the same code, against today's index: NDCG@100 over every HetRec-played
   artist, each listener embedded from the plays the models saw. Neither model saw a
   held-out play, so the comparison is honest; re-scoring the served version (rather than
   trusting its manifest) keeps it so if the scoring code changes. The candidate is
   published when its NDCG@100 >= the served one's - TOLERANCE; else it is rejected (its
   folder removed, its manifest kept in `models/rejected.json`).
   A served version trained without a `validation` record for this slice (one from before
   this protocol, or from other data) is not comparable: it may have trained on the
   held-out plays. Then the candidate is published and becomes the baseline.
5. Publishing is the atomic `current` pointer swap; running bots hot-swap it
   (`recommender.live`), finishing requests in flight on the old version.

TOLERANCE is 0: "did not get worse" taken literally. Training is deterministic for a given
seed and data (reruns score identically), so a forced retrain on unchanged data reproduces
the served score and passes. But the score moves a lot with the seed and the data (measured on
the shipped data: 60 epochs scored NDCG@100 0.034 with seed 0 and 0.097 with seed 1; two
ingested tracks moved a 4-epoch model from 0.030 to 0.033), so a tolerance wide enough to
absorb that would wave through clearly worse models, and over many retrains could let quality
ratchet down. Rejecting a candidate no worse in truth costs little: the served model embeds new
tracks and new listeners inductively. Only the CF side (taste) is gated: the Tag model has no
held-out data in a served version (holding tags out would strip them from the served catalog).

Runs never overlap: a file lock in the model store makes a second one report and return.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from jobs.pipelines.ingest import ingest_tracks
from jobs.pipelines.settings import PipelineSettings
from jobs.pipelines.train import (
    TrainingData,
    comparable,
    load_training_data,
    model_store,
    publish_version,
    score_version,
    train_model,
)
from recommender.encoder import TextEncoder, load_encoder
from recommender.evaluation import VALIDATION_METRIC
from recommender.model_store import ModelStore
from recommender.sage import SageConfig
from storage.database import Storage

log = logging.getLogger(__name__)

TOLERANCE = 0.0  # see the module docstring
RETRAIN_JOB_ID = "retrain"
LOCK_FILE = "retrain.lock"

Retrain = Callable[[], Awaitable[dict[str, Any]]]

# APScheduler stores a job as a module-level function plus picklable arguments, so what the scheduled
# retrain runs (bound to the live storage and settings) is looked up here by scheduler name, set by
# `SuggestionScheduler.schedule_retrain` in whichever process runs the scheduler.
_RETRAINERS: dict[str, Retrain] = {}


def register_retrain(scheduler_name: str, run: Retrain) -> None:
    _RETRAINERS[scheduler_name] = run


def unregister_retrain(scheduler_name: str) -> None:
    _RETRAINERS.pop(scheduler_name, None)


async def scheduled_retrain(scheduler_name: str) -> dict[str, Any] | None:
    """The job: one retrain; a failure is logged and never reaches the scheduler."""
    run = _RETRAINERS.get(scheduler_name)
    if run is None:
        log.warning("no retrain registered for %s; scheduled retrain skipped", scheduler_name)
        return None
    try:
        report = await run()
    except Exception:
        log.exception("scheduled retrain failed; the served model is unchanged")
        return None
    log.info("scheduled retrain: %s", summary(report))
    return report


async def retrain(storage: Storage, settings: PipelineSettings, encoder: TextEncoder | None = None, force: bool = False,
                  config: SageConfig | None = None, progress: bool = True) -> dict[str, Any]:
    """Ingest the inbox, train a candidate, and publish it only if it evaluates no worse (a JSON-able report)."""
    store = model_store(settings)
    with _exclusive(store.root) as alone:
        if not alone:
            return {"skipped": "another retrain is running", "trained": False, "swapped": False, "files": []}
        return await _retrain(storage, settings, store, encoder, force, config, progress)


async def _retrain(storage: Storage, settings: PipelineSettings, store: ModelStore, encoder: TextEncoder | None,
                   force: bool, config: SageConfig | None, progress: bool) -> dict[str, Any]:
    started = time.perf_counter()
    files = await ingest_inbox(storage, settings, lambda: encoder or load_encoder(settings.encoder))
    served = store.current()
    report: dict[str, Any] = {
        "files": files, "tracks_added": sum(f.get("added", 0) for f in files), "trained": False,
        "skipped": None, "metric": VALIDATION_METRIC, "tolerance": TOLERANCE,
        "candidate": None, "served": {"version": served}, "swapped": False,
    }
    data = await load_training_data(storage, settings)
    if not force and (why := nothing_new(store, served, data)):
        return report | {"skipped": why, "serving": served, "seconds": _since(started)}

    candidate = await train_model(storage, settings, config, progress=progress, publish=False, data=data)
    report["trained"] = True
    report["candidate"] = {"version": candidate["version"], "score": _headline(candidate["validation"]["scores"]),
                           "scores": candidate["validation"]["scores"], "train_seconds": candidate["train_seconds"]}
    folder = store.root / candidate["version"]
    try:
        if served is not None:
            report["served"] = await _served_report(store, served, data)
        swap, reason = decide(report["candidate"]["score"], report["served"])
    except BaseException:  # no verdict, no swap: the unjudged candidate must not linger half-published
        store.discard(folder)
        raise
    if swap:
        await publish_version(storage, store, candidate["version"], settings.models_in_database)
    else:
        store.reject(candidate["version"], candidate | {"rejected_because": reason})
    return report | {"swapped": swap, "reason": reason, "serving": store.current(), "seconds": _since(started)}


def nothing_new(store: ModelStore, served: str | None, data: TrainingData) -> str | None:
    """Why training would learn nothing new (None: it would)."""
    if served is None:
        return None
    inputs = data.inputs
    if store.manifest(served).get("inputs") == inputs:
        return f"nothing new since the served model {served}"
    rejected = store.last_rejected() or {}
    if rejected.get("inputs") == inputs:
        return f"nothing new since candidate {rejected.get('version')} was rejected"
    return None


async def _served_report(store: ModelStore, served: str, data: TrainingData) -> dict[str, Any]:
    scores = await asyncio.to_thread(score_version, store, served, data)
    return {"version": served, "score": _headline(scores), "scores": scores,
            "comparable": comparable(store.manifest(served), data)}


def decide(candidate: float, served: dict[str, Any]) -> tuple[bool, str]:
    """The gate: (publish?, why)."""
    if served.get("version") is None:
        return True, "no model was served"
    if not served["comparable"]:
        return True, (f"served model {served['version']} was not trained without this validation slice, so its "
                      "score is not comparable; the candidate becomes the baseline")
    if candidate >= served["score"] - TOLERANCE:
        return True, f"candidate {VALIDATION_METRIC} {candidate:.4f} >= served {served['score']:.4f}"
    return False, f"candidate {VALIDATION_METRIC} {candidate:.4f} < served {served['score']:.4f}: kept the served model"


# -- the inbox ----------------------------------------------------------------------------------------
async def ingest_inbox(storage: Storage, settings: PipelineSettings, encoder: Callable[[], TextEncoder]
                       ) -> list[dict[str, Any]]:
    """Ingest every track file in the inbox, oldest first, and move each out of it."""
    return [await _ingest_file(storage, settings, path, encoder) for path in inbox_files(settings.inbox_dir)]


def inbox_files(inbox: Path) -> list[Path]:
    if not inbox.is_dir():
        return []
    files = [p for p in inbox.iterdir() if p.is_file() and p.suffix.lower() == ".csv" and not p.name.startswith(".")]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))


async def _ingest_file(storage: Storage, settings: PipelineSettings, path: Path, encoder: Callable[[], TextEncoder]
                       ) -> dict[str, Any]:
    try:
        result = await ingest_tracks(storage, settings.catalog_dir, path, encoder())
    except Exception as exc:  # an unreadable file must not stop the other files or the retrain
        log.exception("could not ingest %s", path.name)
        return _failed(path, f"{type(exc).__name__}: {exc}")
    if not result["added"] and result["errors"]:
        return _failed(path, "; ".join(f"line {e['line']}: {e['error']}" for e in result["errors"][:10]))
    moved = _move(path, path.parent / "done")
    return {"file": path.name, "status": "done", "moved_to": str(moved), "added": result["added"],
            "errors": result["errors"], "catalog_size": result["catalog_size"]}


def _failed(path: Path, reason: str) -> dict[str, Any]:
    moved = _move(path, path.parent / "failed")
    moved.with_name(moved.name + ".reason.txt").write_text(reason + "\n")
    log.warning("track file %s not ingested (%s): moved to %s", path.name, reason, moved)
    return {"file": path.name, "status": "failed", "moved_to": str(moved), "added": 0, "reason": reason}


def _move(path: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%S%f')}-{path.name}"
    return path.replace(target)


# -- helpers ------------------------------------------------------------------------------------------
@contextmanager
def _exclusive(root: Path) -> Iterator[bool]:
    """An advisory lock on the model store: True when this run holds it."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK_FILE, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _headline(scores: dict[str, float]) -> float:
    return float(scores[VALIDATION_METRIC])


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 1)


def summary(report: dict[str, Any]) -> str:
    """One line for a log or a terminal."""
    files = report.get("files") or []
    failed = sum(f["status"] == "failed" for f in files)
    head = f"{len(files)} file(s) ({failed} failed), {report.get('tracks_added', 0)} track(s) added"
    if report.get("skipped"):
        return f"{head}; not trained: {report['skipped']}"
    return f"{head}; {'swapped' if report['swapped'] else 'not swapped'}: {report.get('reason')}"
