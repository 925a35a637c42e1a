"""`suggestify bench`: message → 20-track playlist through the whole bot core
(session load, Chat2Tag, taste from MongoDB, ranking, session and playlist writes),
for the served GraphSAGE model and the content-based baseline, in one run."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.app.config import REPO_DATA, Settings
from bot.app.wiring import open_app
from bot.core import BotCore
from bot.core.admission import UNLIMITED
from bot.core.messages import Incoming
from recommender.chat2tag_eval import load_labelled
from recommender.content import ContentRecommender
from recommender.index import CatalogIndex
from recommender.intent import Intent
from recommender.metrics import latency_spread
from recommender.names import artist_key
from recommender.types import Recommendation, Recommender, Taste

MESSAGES = (
    "rainy sunday morning, feeling nostalgic",
    "pumping iron at the gym",
    "late night drive through the city",
    "I just got dumped and want to scream",
    "summer beach party with friends",
    "quiet focus music for studying",
    "cozy winter evening by the fire",
    "happy upbeat songs for cleaning the house",
    "something like radiohead for a rainy night",
    "90s hip hop",
)
USERS = ("cli:bench-new", "hetrec:2", "hetrec:100", "hetrec:1000")  # one listener we know nothing about
BUSY_CHATS = 8  # chats writing at once for the throughput of a busy worker


async def _latency(core: BotCore, rounds: int, size: int, chats: int = 1) -> dict[str, float]:
    """`rounds` playlists through the core, from `chats` chats writing at once (more than one: a busy worker,
    where one chat's database round trips overlap another's ranking)."""
    timings: list[float] = []

    async def chat(c: int) -> None:
        for i in range(c, rounds, chats):
            platform, user = USERS[i % len(USERS)].split(":")
            msg = Incoming(platform, user, f"bench-{c}-{user}-{i % 7}", MESSAGES[i % len(MESSAGES)])
            t0 = time.perf_counter()
            reply = await core.handle(msg)
            timings.append((time.perf_counter() - t0) * 1000)
            if len(reply.playlist) != size or not reply.text.startswith("Here's your playlist"):
                raise RuntimeError(f"expected {size} tracks, got {len(reply.playlist)}: {reply.text[:80]}")

    started = time.perf_counter()
    await asyncio.gather(*(chat(c) for c in range(chats)))
    return {**latency_spread(timings), "mean_ms": round(statistics.fmean(timings), 2),
            "playlists_per_s": round(rounds / (time.perf_counter() - started), 1), "requests": rounds,
            "chats_at_once": chats}


async def _through_telegram(core: BotCore, rounds: int) -> dict[str, float]:
    """A message's trip through the Telegram adapter over loopback: the update served by long polling to
    python-telegram-bot, the core, and the reply's sendMessage arriving at the Bot API. The Bot API stand-in is
    the tests' (a source checkout's `tests/fakes`)."""
    from adapters.telegram_bot import TelegramConfig, start_telegram, stop_telegram

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.fakes.telegram_server import FakeTelegram

    timings: list[float] = []
    async with FakeTelegram("1:bench").running() as fake:
        telegram = await start_telegram(core, TelegramConfig("1:bench", api_base_url=fake.api_base_url))
        try:
            for i in range(rounds + 5):  # the first few warm the connections
                mark = len(fake.calls)
                sent = time.monotonic()
                fake.push_text(1000 + i % 4, MESSAGES[i % len(MESSAGES)])
                await fake.wait_for("sendMessage", mark)
                answered = next(at for (method, _), at in zip(fake.calls[mark:], fake.call_times[mark:])
                                if method == "sendMessage")
                if i >= 5:
                    timings.append((answered - sent) * 1000)
        finally:
            await stop_telegram(telegram)
    return {**latency_spread(timings), "requests": len(timings)}


async def _first_seen_latency(core: BotCore, size: int) -> dict[str, float]:
    """Messages the bot has never seen (the labelled Chat2Tag set, once each): Chat2Tag must encode them."""
    texts = [r["text"] for r in load_labelled(REPO_DATA / "chat2tag" / "eval.jsonl") if r["music"]]
    timings: list[float] = []
    for i, text in enumerate(texts):
        t0 = time.perf_counter()
        reply = await core.handle(Incoming("cli", "bench-new", f"bench-first-{i}", text))
        if reply.playlist:  # a few ask for what the catalog cannot give ("only anime")
            timings.append((time.perf_counter() - t0) * 1000)
    return {**latency_spread(timings), "requests": len(timings)}


def _ask(recommender: Recommender, taste: Taste, intent: Intent, size: int) -> list[Recommendation]:
    return recommender.recommend(taste, intent.weighted_tags, size, filters=intent.filters(), sound=intent.sound,
                                 text=intent.query)


def _rank_latency(recommender: Recommender, intents: list[Intent], tastes: list[Taste], rounds: int,
                  size: int) -> dict[str, float]:
    """The recommender alone (the message already read, taste already loaded)."""
    timings = []
    for i in range(rounds):
        t0 = time.perf_counter()
        _ask(recommender, tastes[i % len(tastes)], intents[i % len(intents)], size)
        timings.append((time.perf_counter() - t0) * 1000)
    return latency_spread(timings)


def _agreement(recommender: Recommender, exact: Recommender, intents: list[Intent], tastes: list[Taste],
               size: int) -> dict[str, float]:
    """How many of exact ranking's playlist tracks an approximate ranking keeps, over every request and listener."""
    kept = []
    for intent in intents:
        for taste in tastes:
            want = {r.track_id for r in _ask(exact, taste, intent, size)}
            kept.append(len(want & {r.track_id for r in _ask(recommender, taste, intent, size)}) / max(len(want), 1))
    return {"mean": round(statistics.fmean(kept), 3), "min": round(min(kept), 3), "playlists": len(kept)}


def _personalisation(recommender: Recommender, intents: list[Intent], listeners: list[Taste],
                     size: int) -> dict[str, float]:
    """How much a mood playlist depends on whose it is: the same requests for different listeners. Mean
    pairwise Jaccard of their playlists (1 = everyone hears the same), the share of tracks by artists the
    listener plays, and the share carrying an asked-for tag among the track's top tags."""
    overlap, own, tagged = [], [], []
    for intent in intents:
        lists = [_ask(recommender, taste, intent, size) for taste in listeners]
        ids = [{r.track_id for r in tracks} for tracks in lists]
        overlap.append(statistics.fmean(len(a & b) / len(a | b) for a, b in itertools.combinations(ids, 2)))
        wanted = {t.tag for t in intent.tags}
        for taste, tracks in zip(listeners, lists):
            own.append(statistics.fmean(artist_key(r.artist) in taste.artists for r in tracks))
            tagged.append(statistics.fmean(bool(wanted & set(r.tags)) for r in tracks))
    return {"listeners": len(listeners), "pairwise_jaccard": round(statistics.fmean(overlap), 3),
            "by_artists_they_play": round(statistics.fmean(own), 3), "with_an_asked_tag": round(statistics.fmean(tagged), 3)}


async def _listeners(core: BotCore, n: int = 40) -> list[Taste]:
    """HetRec listeners, a fixed sample."""
    tastes = [await core.taste_of(f"hetrec:{u}") for u in random.Random(0).sample(range(2, 2100), 3 * n)]
    return [t for t in tastes if not t.empty][:n]


def _child(code: str, settings: Settings, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """Run `code` in a fresh Python process with these settings (less the variables in `drop`); the JSON it
    prints last comes back."""
    env = {k: v for k, v in {**os.environ, **settings.to_env()}.items() if k not in drop}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _cold_start(settings: Settings, backend: str) -> dict[str, float]:
    """A fresh process: imports, database, models, first reply. Its peak RSS comes back with it."""
    return _child("from bot.app.bench import cold_child; cold_child()", settings.with_changes(recommender=backend))


def cold_child() -> None:
    started = time.perf_counter()
    settings = Settings.from_env()

    async def go() -> float:
        async with open_app(settings, progress=False) as app:
            await app.core.handle(Incoming("cli", "bench-cold", "bench-cold", MESSAGES[0]))
            return time.perf_counter() - started

    ready = asyncio.run(go())
    print(json.dumps({"cold_start_s": round(ready, 2), "peak_rss_mb": round(_peak_rss_mb(), 1)}))


def _first_start(settings: Settings) -> dict[str, float]:
    """`make run` on a new machine: an empty home and an embedded database of its own, so the catalog is built
    and a quick model trained before the first reply (the full model would go on training behind it)."""
    with tempfile.TemporaryDirectory(prefix="suggestify-first-") as home:
        child = _child("from bot.app.bench import cold_child; cold_child()", settings.with_changes(home=Path(home)),
                       drop=("MONGO_URI",))
    return {"seconds": child["cold_start_s"], "peak_rss_mb": child["peak_rss_mb"],
            "quick_model_epochs": settings.quick_start_epochs}


def _scaled_catalog(settings: Settings, factor: int, rounds: int, size: int) -> dict[str, Any]:
    """The served model over a catalog `factor` times the size (`recommender.synthetic`), in a process of its own
    so its peak RSS is its own."""
    return _child(f"from bot.app.bench import scaled_child; scaled_child({factor}, {rounds}, {size})", settings)


def scaled_child(factor: int, rounds: int, size: int) -> None:
    from jobs.pipelines.train import model_store
    from recommender.ranker import SageRanker
    from recommender.serving import GraphSAGERecommender
    from recommender.synthetic import scaled_catalog

    settings = Settings.from_env()

    async def go() -> dict[str, Any]:
        async with open_app(settings, progress=False) as app:
            if app.warming is not None:
                await app.warming
            index = scaled_catalog(CatalogIndex.load(settings.catalog_dir), factor)
            print(f"a catalog of {index.size} tracks; embedding the copies ...", file=sys.stderr, flush=True)
            started = time.perf_counter()
            version = app.core.s.recommender.version  # type: ignore[attr-defined]  # the live model's
            ranker = SageRanker.load(model_store(settings).path(version), index)
            loaded_s = time.perf_counter() - started
            recommender = GraphSAGERecommender(ranker, app.core.s.chat2tag.text_vector)  # type: ignore[attr-defined]
            core = BotCore(replace(app.core.s, recommender=recommender), playlist_size=size,
                           rate=UNLIMITED)
            await _latency(core, 20, size)
            result = await _latency(core, rounds, size)
            intents = [await core.s.chat2tag.understand(m) for m in MESSAGES]
            tastes = [await core.taste_of(u) for u in USERS]
            result["ranking_only"] = _rank_latency(recommender, intents, tastes, rounds, size)
            if recommender.shortlist is not None:  # ranked in two stages: against exact ranking, same process
                exact = GraphSAGERecommender(ranker, recommender.query_vector, exact_up_to=index.size)
                result["exact_ranking_only"] = _rank_latency(exact, intents, tastes, rounds, size)
                result["top_recall"] = _agreement(recommender, exact, intents, tastes, size)
            return {"tracks": index.size, "factor": factor, "model_load_s": round(loaded_s, 1), **result}

    result = asyncio.run(go())
    print(json.dumps({**result, "peak_rss_mb": round(_peak_rss_mb(), 1)}))


def _peak_rss_mb() -> float:
    """This process's peak RSS. Linux's ru_maxrss survives fork+exec (a child reports its parent's peak), so
    read the address space's own high-water mark where /proc has it."""
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def bench(settings: Settings, rounds: int = 300, size: int = 20, catalog_scale: int = 0,
                first_start: bool = False) -> dict[str, Any]:
    settings = settings.with_changes(recommender="graphsage")
    async with open_app(settings, progress=False) as app:
        # The same listeners ask hundreds of times: no rate limit here.
        core = BotCore(app.core.s, playlist_size=size, rate=UNLIMITED)
        if app.warming is not None:
            await app.warming  # measured from here: the language models have loaded
        await _latency(core, 20, size)  # warm caches and the database connection
        first_seen = await _first_seen_latency(core, size)
        served = await _latency(core, rounds, size)
        served["first_seen_messages"] = first_seen
        served["busy"] = await _latency(core, rounds, size, chats=BUSY_CHATS)
        served["through_telegram"] = await _through_telegram(core, min(rounds, 100))
        intents = [await core.s.chat2tag.understand(m) for m in MESSAGES]
        tastes = [await core.taste_of(u) for u in USERS]
        served["ranking_only"] = _rank_latency(core.s.recommender, intents, tastes, rounds, size)
        listeners = await _listeners(core)
        served["personalisation"] = _personalisation(core.s.recommender, intents, listeners, size)
        core = BotCore(replace(core.s, recommender=ContentRecommender(CatalogIndex.load(settings.catalog_dir))),
                       playlist_size=size, rate=UNLIMITED)
        await _latency(core, 20, size)
        baseline = await _latency(core, rounds, size)
        baseline["ranking_only"] = _rank_latency(core.s.recommender, intents, tastes, rounds, size)
        baseline["personalisation"] = _personalisation(core.s.recommender, intents, listeners, size)
    served.update(_cold_start(settings, "graphsage"))
    baseline.update(_cold_start(settings, "content"))
    if catalog_scale > 1:
        served["scaled_catalog"] = _scaled_catalog(settings, catalog_scale, rounds, size)
    if first_start:
        served["first_start"] = _first_start(settings)
    return {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "playlist_size": size,
        "graphsage": served,
        "content": baseline,
        "ratio_graphsage_over_content": {k: round(served[k] / baseline[k], 2) for k in served
                                         if isinstance(served[k], float) and baseline.get(k)},
    }
