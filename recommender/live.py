"""Hot-swapping the served model: a newly published version is loaded off the event
loop and swapped in with one reference assignment, so requests in flight finish on
the version they started with and none is dropped."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping

from recommender.model_store import ModelStore
from recommender.types import (
    NO_FILTERS,
    Filters,
    Recommendation,
    Recommender,
    Taste,
    WeightedTag,
)

log = logging.getLogger(__name__)


class LiveRecommender:
    def __init__(self, store: ModelStore, load: Callable[[str], Recommender], versions: str | list[str],
                 on_swap: Callable[[Recommender], None] | None = None) -> None:
        """Serves the first of `versions` that loads (the current one, then older good ones)."""
        self.store, self._load, self._on_swap = store, load, on_swap
        candidates = [versions] if isinstance(versions, str) else list(versions)
        self.failed: set[str] = set()  # versions that would not load: not tried again on every poll
        for version in candidates:
            try:
                self._current, self.version = load(version), version
                break
            except Exception:
                log.exception("model %s does not load; trying an older version", version)
                self.failed.add(version)
        else:
            raise RuntimeError(f"none of the model versions {candidates} loads")

    def recommend(self, taste: Taste, tags: list[WeightedTag], k: int = 20, exclude: frozenset[str] = frozenset(),
                  filters: Filters = NO_FILTERS, sound: Mapping[str, float] | None = None, text: str = ""
                  ) -> list[Recommendation]:
        return self._current.recommend(taste, tags, k, exclude, filters, sound, text)

    async def refresh(self) -> bool:
        """Swap in the published version if it changed; a version that fails to load is logged and skipped."""
        version = self.store.current()
        if version is None or version == self.version or version in self.failed:
            return False
        try:
            model = await asyncio.to_thread(self._load, version)
        except Exception:
            log.exception("could not load model %s; still serving %s", version, self.version)
            self.failed.add(version)
            return False
        self._current, self.version = model, version
        if self._on_swap is not None:
            self._on_swap(model)
        log.info("now serving model %s", version)
        return True

    async def watch(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            await self.refresh()
