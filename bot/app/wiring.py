"""The composition root: the one place that wires storage, recommender and the bot core."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass

import torch
from threadpoolctl import threadpool_limits

from adapters.open_meteo import OpenMeteo
from adapters.spotify import SpotifyAPI, SpotifyConfig
from adapters.spotify_accounts import SpotifyAccounts
from adapters.spotify_saves import SpotifySaves
from bot.app.config import Settings, secret
from bot.core import BotCore, Services
from bot.core.notify import Notifier
from bot.core.ports import Chat2Tag
from bot.core.suggestions import Suggester
from jobs.pipelines.build import build, build_files
from jobs.pipelines.train import (
    ensure_model,
    follow_published,
    model_store,
    train_model,
)
from recommender import word_vectors
from recommender.chat2tag import LocalChat2Tag
from recommender.content import ContentRecommender
from recommender.encoder import load_encoder
from recommender.index import CatalogIndex
from recommender.intent import IntentValidator
from recommender.language import LanguageDetector, MultilingualTagger
from recommender.live import LiveRecommender
from recommender.lookup import STARTER_TAGS, CatalogLookup
from recommender.serving import GraphSAGERecommender, SageRanker
from recommender.types import Recommender
from storage.database import Database, Storage
from storage.secrets import OAuthStates, TokenVault, cipher, local_key

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    storage: Storage
    core: BotCore
    notifier: Notifier
    spotify: SpotifyAccounts | None = None
    warming: asyncio.Future[None] | None = None  # the language models loading off the start-up path
    training: asyncio.Future[None] | None = None  # a first start's full model, training behind a quick one


async def ensure_catalog(settings: Settings, storage: Storage, progress: bool = True, force: bool = False) -> dict:
    return await build(
        storage, settings.data_dir, settings.catalog_dir, settings.encoder,
        settings.min_tag_exposure, force=force, progress=progress,
    )


async def _catalog_files(settings: Settings, storage: Storage, progress: bool) -> asyncio.Task[None] | None:
    """The serving index, built when missing or stale; the catalog's documents, when still to write into
    MongoDB, are written by the task returned, beside the first model's training."""
    _, documents = await build_files(storage, settings.data_dir, settings.catalog_dir, settings.encoder,
                                     settings.min_tag_exposure, progress=progress)
    return asyncio.create_task(documents) if documents is not None else None


@asynccontextmanager
async def open_storage(settings: Settings) -> AsyncIterator[Storage]:
    async with Database(secret(settings.mongo_uri), settings.db_name, settings.db_dir) as storage:
        yield storage


def local_chat2tag(settings: Settings, index: CatalogIndex, lookup: CatalogLookup) -> LocalChat2Tag:
    multilingual = MultilingualTagger(index.vocab, settings.catalog_dir / "multilingual_tags.npz")
    return LocalChat2Tag(index, lookup, load_encoder(settings.encoder), LanguageDetector(), multilingual,
                         settings.catalog_dir / word_vectors.FILE)


def chat2tag_for(settings: Settings, local: LocalChat2Tag, lookup: CatalogLookup) -> Chat2Tag:
    """The local parser, or, with an OpenAI key, the LLM path in front of it."""
    if not settings.openai_api_key:
        return local
    from langchain_openai import ChatOpenAI

    from adapters.llm_chat2tag import LLMChat2Tag

    llm = ChatOpenAI(model=settings.llm_model, api_key=settings.openai_api_key, base_url=settings.openai_base_url,
                     timeout=settings.llm_timeout, max_retries=2, temperature=0)
    validator = IntentValidator(local.vocab, local.encoder.encode, lookup.find_artist, lookup.named_genres(),
                                lookup.has_tracks)
    log.info("Chat2Tag: LLM path on (%s), local path as fallback", settings.llm_model)
    return LLMChat2Tag(llm, local, validator, deadline_s=settings.llm_timeout)


def spotify_accounts(settings: Settings, storage: Storage, catalog: CatalogLookup,
                     notifier: Notifier) -> SpotifyAccounts | None:
    """Spotify connect and save, when the app is registered with Spotify (client id, secret, redirect URI)."""
    if not (settings.spotify_client_id and settings.spotify_client_secret and settings.spotify_redirect_uri):
        return None
    vault = TokenVault(storage.db, cipher(secret(settings.secret_key) or local_key(settings.home / "secret.key")))
    api = SpotifyAPI(SpotifyConfig(settings.spotify_client_id, secret(settings.spotify_client_secret) or "",
                                   settings.spotify_redirect_uri, settings.spotify_api_base_url,
                                   settings.spotify_accounts_base_url), vault)
    saves = SpotifySaves(storage.db, api, notifier.say)
    return SpotifyAccounts(api, OAuthStates(storage.db), saves, storage.events, catalog, notifier.say)


def _track_tags(lookup: CatalogLookup) -> Callable[[str], list[str]]:
    def tags(track_id: str) -> list[str]:
        track = lookup.track(track_id)
        return track.tags if track else []
    return tags


def _warm_up(chat2tag: LocalChat2Tag) -> None:
    """Load the language models and the multilingual tag matrix off the start-up path."""
    try:
        chat2tag.warm_up()
        if chat2tag.detector:
            chat2tag.detector.warm_up()
        if chat2tag.multilingual:
            chat2tag.multilingual.bias()
    except Exception:  # a missing extra model degrades other languages, never the bot
        log.exception("warming up the multilingual models failed")


@contextmanager
def serving_threads(n: int) -> Iterator[None]:
    """Serving is many small matrix products next to a database server: idle BLAS/OpenMP workers spinning
    for a second core doubled the p99 (34 → 17 ms with one thread, 2 cores). torch is set apart because
    its pool in other threads (ranking and retraining run in threads) ignores an OpenMP limit set here."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        with threadpool_limits(limits=n):
            yield
    finally:
        torch.set_num_threads(before)


async def _train_full_model(storage: Storage, settings: Settings) -> None:
    """Train the full model behind the quick one a first start serves; published, it is swapped in on its own."""
    log.warning("a quick model answers now; the full one (%d epochs) trains in the background and replaces it "
                "without a restart", settings.train_epochs)
    try:
        manifest = await train_model(storage, settings, progress=False)
    except Exception:
        log.exception("training the full model failed; the quick one keeps serving")
        return
    log.warning("the full model (version %s) is published and swaps in within %.0f s", manifest["version"],
                settings.model_poll_seconds)


async def _serving_model(settings: Settings, storage: Storage, index: CatalogIndex, lookup: CatalogLookup,
                         local: LocalChat2Tag, progress: bool
                         ) -> tuple[Recommender, list[asyncio.Task[None]], asyncio.Task[None] | None]:
    """The recommender to serve, the tasks that keep it current (a newly published version swapped in), and a
    first start's full model still training behind the quick one."""
    if settings.recommender != "graphsage":
        return ContentRecommender(index), [], None
    store = model_store(settings)
    versions, full_pending = await ensure_model(storage, settings, progress=progress)

    def load_version(v: str) -> GraphSAGERecommender:
        # A version published after an ingest ranks the grown catalog: read the index as it is now.
        current = index if v in versions else CatalogIndex.load(settings.catalog_dir)
        return GraphSAGERecommender(SageRanker.load(store.path(v), current), local.text_vector)

    live = LiveRecommender(store, load_version, versions,
                           on_swap=lambda model: lookup.refresh(model.index))  # type: ignore[attr-defined]
    keeping = [asyncio.create_task(live.watch(settings.model_poll_seconds))]
    if settings.models_in_database:  # versions other machines publish come in through the local store
        fingerprint = (await storage.catalog.build_info() or {}).get("fingerprint")
        keeping.append(asyncio.create_task(follow_published(storage, store, fingerprint, settings.model_poll_seconds)))
    training = asyncio.create_task(_train_full_model(storage, settings)) if full_pending else None
    return live, keeping, training


@asynccontextmanager
async def open_app(settings: Settings, progress: bool = True) -> AsyncIterator[App]:
    """Connect, build the catalog on first start, load every model once, and yield the running app."""
    # The sentence encoder (about a second and a half) loads in a thread while the embedded database starts
    # (about two): neither needs the other. Submitted now, before the database start blocks this thread;
    # `load_encoder` caches it, so the catalog build and Chat2Tag below get this one.
    encoder = asyncio.get_running_loop().run_in_executor(None, load_encoder, settings.encoder)
    async with open_storage(settings) as storage:
        await encoder
        documents = await _catalog_files(settings, storage, progress)  # a no-op when up to date
        index = CatalogIndex.load(settings.catalog_dir)
        lookup = CatalogLookup(index)
        local = local_chat2tag(settings, index, lookup)
        try:
            recommender, keeping, training = await _serving_model(settings, storage, index, lookup, local, progress)
        except BaseException:
            if documents is not None:
                documents.cancel()
            raise
        warm = asyncio.create_task(asyncio.to_thread(_warm_up, local))
        weather = OpenMeteo(settings.open_meteo_url, settings.open_meteo_geocoding_url)
        suggester = Suggester(known_tag=lambda t: bool(lookup.category(t)), track_tags=_track_tags(lookup),
                              starter=STARTER_TAGS, weather=weather)
        notifier = Notifier()
        spotify = spotify_accounts(settings, storage, lookup, notifier)
        services = Services(
            users=storage.users,
            sessions=storage.sessions,
            events=storage.events,
            playlists=storage.playlists,
            listener_data=storage.listener_data,
            limits=storage.limits,
            chat2tag=chat2tag_for(settings, local, lookup),
            recommender=recommender,
            catalog=lookup,
            suggester=suggester,
            accounts=spotify,
            inbox=storage.inbox,
        )
        try:
            if documents is not None:
                await documents  # written while the first model trained
            with serving_threads(settings.serving_threads):
                yield App(settings, storage, BotCore(services), notifier, spotify, warm, training)
        finally:
            for task in (documents, warm, training, *keeping):
                if task is not None:
                    task.cancel()
