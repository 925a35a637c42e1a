"""Serving: model versions publish atomically and a running bot swaps them in without dropping requests."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from recommender.live import LiveRecommender
from recommender.model_store import MODEL_FILE, ModelStore
from recommender.types import Recommendation, Taste, WeightedTag


class Versioned:
    def __init__(self, version: str) -> None:
        self.version = version

    def recommend(self, taste, tags, k=20, exclude=frozenset(), filters=None, sound=None, text="") -> list[Recommendation]:
        return [Recommendation(self.version, "n", "a", "u", "l", [], 0.0, "r")] * k


def _publish(store: ModelStore, payload: str) -> str:
    folder = store.new_version()
    (folder / MODEL_FILE).write_text(payload)
    return store.publish(folder, {"payload": payload})


def _load(store: ModelStore):
    def load(version: str) -> Versioned:
        payload = store.path(version).read_text()
        if payload == "corrupt":
            raise ValueError("unreadable model")
        return Versioned(version)
    return load


async def test_new_version_is_swapped_in_and_a_broken_one_is_skipped(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    assert store.current() is None
    first = _publish(store, "ok")
    swapped: list[str] = []  # what the app hears: it points its catalog lookup at the new version's index
    live = LiveRecommender(store, _load(store), store.current(), on_swap=lambda m: swapped.append(m.version))
    assert live.version == first and not await live.refresh()
    second = _publish(store, "ok")
    assert store.current() == second and await live.refresh()
    assert live.recommend(Taste(), [WeightedTag("rain")], 3)[0].track_id == second
    assert swapped == [second]
    _publish(store, "corrupt")
    assert not await live.refresh()  # logged; the good version keeps serving
    assert swapped == [second]
    assert live.version == second
    assert live.recommend(Taste(), [], 1)[0].track_id == second
    for _ in range(3):
        _publish(store, "ok")
    assert len([p for p in tmp_path.iterdir() if p.is_dir()]) == 3  # old versions are pruned


async def test_requests_keep_flowing_during_swaps(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    _publish(store, "ok")
    live = LiveRecommender(store, _load(store), store.current())
    failures: list[BaseException] = []
    served: set[str] = set()
    stop = threading.Event()

    def client() -> None:
        while not stop.is_set():
            try:
                served.update(t.track_id for t in live.recommend(Taste(), [], 2))
            except BaseException as exc:  # noqa: BLE001 - any failure fails the test
                failures.append(exc)

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    for _ in range(5):
        _publish(store, "ok")
        assert await live.refresh()
        await asyncio.sleep(0.01)
    stop.set()
    for t in threads:
        t.join()
    assert not failures
    assert len(served) >= 2  # requests were answered by more than one version


def test_a_staged_version_is_not_served_until_published_and_a_rejected_one_goes(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    served = _publish(store, "ok")
    staged = store.new_version()
    (staged / MODEL_FILE).write_text("ok")
    store.stage(staged, {"score": 1})
    assert store.current() == served and store.manifest(staged.name) == {"score": 1}
    store.reject(staged.name, {"version": staged.name, "why": "worse"})
    assert not staged.exists() and store.current() == served
    assert store.last_rejected() == {"version": staged.name, "why": "worse"}
    with pytest.raises(ValueError):
        store.reject(served, {})
    assert store.current() == served
    better = store.new_version()
    (better / MODEL_FILE).write_text("ok")
    store.stage(better, {"score": 2})
    assert store.publish(better) == better.name == store.current()


def test_serving_runs_on_the_configured_threads_and_gives_them_back() -> None:
    import torch
    from threadpoolctl import threadpool_info

    from bot.app.wiring import serving_threads

    before = torch.get_num_threads()
    seen: list[int] = []
    with serving_threads(1):
        # Ranking and retraining run in worker threads: the limit must reach them, not just this thread.
        worker = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
        worker.start()
        worker.join()
        assert all(p["num_threads"] == 1 for p in threadpool_info() if p["user_api"] == "blas")
    assert seen == [1] and torch.get_num_threads() == before


async def test_a_corrupt_current_version_falls_back_to_the_last_good_one(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    good = _publish_for(store, "ok", catalog="c1")
    newer = _publish_for(store, "ok", catalog="c1")
    (tmp_path / newer / "manifest.json").write_text("{not json")  # a torn manifest
    assert store.servable("c1") == [good] and store.servable("c2") == []
    broken = _publish_for(store, "corrupt", catalog="c1")  # a manifest that reads, a model that does not
    assert store.servable("c1") == [broken, good]
    live = LiveRecommender(store, _load(store), store.servable("c1"))
    assert live.version == good and live.recommend(Taste(), [], 1)[0].track_id == good
    assert not await live.refresh()  # the broken current version is not retried on every poll
    with pytest.raises(RuntimeError, match="none of the model versions"):
        LiveRecommender(store, _load(store), [broken])


def _publish_for(store: ModelStore, payload: str, catalog: str) -> str:
    folder = store.new_version()
    (folder / MODEL_FILE).write_text(payload)
    return store.publish(folder, {"payload": payload, "catalog": catalog})
