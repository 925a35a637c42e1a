"""`suggestify`: the single entry point (typer)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from bot.app import log_redaction
from bot.app.config import REPO_DATA, Settings
from bot.app.wiring import ensure_catalog, open_app, open_storage

app = typer.Typer(add_completion=False, pretty_exceptions_show_locals=False, help="Suggestify: playlists from your mood and taste.")


def _settings() -> Settings:
    settings = Settings.from_env()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log_redaction.install(settings.secrets())
    return settings


def _catalog_ready(settings: Settings, progress: bool = True, force: bool = False) -> dict:
    """Build the catalog when it is missing or stale (a no-op otherwise): what offline commands need first."""

    async def go() -> dict:
        async with open_storage(settings) as storage:
            return await ensure_catalog(settings, storage, progress=progress, force=force)

    return asyncio.run(go())


@app.callback(invoke_without_command=True)
def main(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None:
        run()


@app.command()
def run() -> None:
    """Start every configured chat adapter; the console chat when no token is set."""
    from bot.app.runner import serve

    asyncio.run(serve(_settings()))


@app.command()
def chat(user: Annotated[str, typer.Option(help="Console user name")] = "local") -> None:
    """Chat with Suggestify in the terminal (/quit to leave)."""
    asyncio.run(_chat(_settings(), user))


async def _chat(settings: Settings, user: str = "local") -> None:
    from adapters.console import run_console

    async with open_app(settings) as application:
        await run_console(application.core, user)


@app.command("build")
def build_cmd(force: Annotated[bool, typer.Option(help="Rebuild even if up to date")] = False) -> None:
    """Ingest the shipped datasets into the database and build the serving index."""
    result = _catalog_ready(_settings(), force=force)
    if result.get("skipped"):
        typer.echo("Catalog already built from this data (use --force to rebuild).")
    typer.echo(json.dumps(result["report"], indent=2))


ingest_app = typer.Typer(help="Add data to the catalog.")
app.add_typer(ingest_app, name="ingest")


@ingest_app.command("tracks")
def ingest_tracks_cmd(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV: track_id,name,artist,tags[,features]")],
) -> None:
    """Add new tracks (no listening history needed); they are recommendable at once."""
    from jobs.pipelines.ingest import ingest_tracks
    from recommender.encoder import load_encoder

    settings = _settings()

    async def go() -> dict:
        async with open_storage(settings) as storage:
            await ensure_catalog(settings, storage)
            return await ingest_tracks(storage, settings.catalog_dir, file, load_encoder(settings.encoder))

    result = asyncio.run(go())
    for err in result["errors"]:
        typer.echo(f"line {err['line']}: {err['error']} (skipped)", err=True)
    typer.echo(json.dumps(result, indent=2))


@app.command()
def tags(
    as_json: Annotated[bool, typer.Option("--json", help="Print the vocabulary as JSON")] = False,
    plot: Annotated[Path | None, typer.Option(help="Write a 2-D tag map (PNG) to this file")] = None,
) -> None:
    """The tag vocabulary: tag, category, count, aliases."""
    from recommender.index import CatalogIndex

    settings = _settings()
    _catalog_ready(settings, progress=not as_json)
    vocab = CatalogIndex.load(settings.catalog_dir).vocab
    if plot is not None:
        from recommender.tagmap import plot_tag_map

        typer.echo(f"tag map written to {plot_tag_map(vocab, plot)}", err=as_json)
    if as_json:
        typer.echo(json.dumps(vocab.records(), ensure_ascii=False))
    elif plot is None:
        for r in vocab.records():
            typer.echo(f"{r['tag']:<32} {r['category']:<12} {r['count']:>6}  {', '.join(r['aliases'][:5])}")


@app.command()
def recommend(
    text: Annotated[str, typer.Option(help="A mood or situation")],
    user: Annotated[str | None, typer.Option(help="A user id such as hetrec:2 or console:local")] = None,
    k: Annotated[int, typer.Option(min=1, max=200)] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """One playlist for scripts."""
    settings = _settings()

    async def go() -> tuple[list, list]:
        async with open_app(settings, progress=not as_json) as application:
            return await application.core.recommend(user or "cli:anonymous", text, k)

    tags, tracks = asyncio.run(go())
    if as_json:
        out = {
            "tags": [{"tag": t.tag, "weight": t.weight} for t in tags],
            "tracks": [
                {k_: v for k_, v in asdict(t).items() if k_ in ("track_id", "name", "artist", "uri", "url", "tags", "score", "reason")}
                for t in tracks
            ],
        }
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    typer.echo("tags: " + ", ".join(t.tag for t in tags))
    for i, t in enumerate(tracks, 1):
        typer.echo(f"{i:>2}. {t.artist} — {t.name}  ({t.reason})")


@app.command("train")
def train_cmd(
    epochs: Annotated[int | None, typer.Option(min=1, help="Epochs (default SUGGESTIFY_TRAIN_EPOCHS)")] = None,
    seed: Annotated[int, typer.Option(help="Random seed")] = 0,
) -> None:
    """Train the GraphSAGE models on everything known and publish a new version (a running bot swaps it in)."""
    from jobs.pipelines.train import train_model
    from recommender.sage import SageConfig

    settings = _settings()

    async def go() -> dict:
        async with open_storage(settings) as storage:
            await ensure_catalog(settings, storage)
            config = SageConfig(epochs=epochs or settings.train_epochs, seed=seed)
            return await train_model(storage, settings, config)

    typer.echo(json.dumps(asyncio.run(go()), indent=2))


@app.command("retrain")
def retrain_cmd(
    force: Annotated[bool, typer.Option(help="Train even when nothing is new since the served model")] = False,
    epochs: Annotated[int | None, typer.Option(min=1, help="Epochs (default SUGGESTIFY_TRAIN_EPOCHS)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
) -> None:
    """Ingest the track files in the inbox, retrain, and publish the new models only if they evaluate no worse."""
    from jobs.pipelines.retrain import retrain, summary
    from recommender.sage import SageConfig

    settings = _settings()

    async def go() -> dict:
        async with open_storage(settings) as storage:
            await ensure_catalog(settings, storage, progress=not as_json)
            config = SageConfig(epochs=epochs or settings.train_epochs)
            return await retrain(storage, settings, force=force, config=config, progress=not as_json)

    report = asyncio.run(go())
    for f in report["files"]:
        if f["status"] == "failed":
            typer.echo(f"{f['file']}: not ingested ({f['reason']}); moved to {f['moved_to']}", err=True)
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    else:
        typer.echo(summary(report))
        if report.get("trained"):
            served = report["served"].get("score")
            typer.echo(f"{report['metric']}: candidate {report['candidate']['score']:.4f}, served "
                       + ("-" if served is None else f"{served:.4f}") + f"; now serving {report['serving']}")


eval_app = typer.Typer(help="Measure the recommenders (default) or Chat2Tag on fixed, documented protocols.")
app.add_typer(eval_app, name="eval")


@eval_app.callback(invoke_without_command=True)
def eval_cmd(
    ctx: typer.Context,
    seed: Annotated[int, typer.Option(help="Seed of the hold-out split and of training")] = 0,
    epochs: Annotated[int | None, typer.Option(min=1, help="GraphSAGE epochs (default SUGGESTIFY_TRAIN_EPOCHS)")] = None,
    out: Annotated[Path | None, typer.Option(help="Folder for eval.json and the plots")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
) -> None:
    """GraphSAGE against popularity, ItemKNN, EASE, ALS and embedding CBF on fixed protocols (README)."""
    if ctx.invoked_subcommand is not None:
        return
    from bot.app.wiring import local_chat2tag
    from recommender import word_vectors
    from recommender.catalog import build_catalog
    from recommender.datasets import load_raw
    from recommender.encoder import load_encoder
    from recommender.eval_plots import plot_report, plot_training
    from recommender.evaluation import evaluate
    from recommender.fusion_training import labelled_requests
    from recommender.index import CatalogIndex
    from recommender.lookup import CatalogLookup
    from recommender.sage import SageConfig
    from recommender.word_vectors import load_word_vectors

    settings = _settings()
    _catalog_ready(settings, progress=not as_json)
    index = CatalogIndex.load(settings.catalog_dir)
    encoder = load_encoder(settings.encoder)
    catalog = build_catalog(load_raw(settings.data_dir), encoder)
    config = SageConfig(epochs=epochs or settings.train_epochs, seed=seed)
    parser = local_chat2tag(settings, index, CatalogLookup(index))
    parser.warm_up()
    words = load_word_vectors(settings.catalog_dir / word_vectors.FILE, encoder)
    labelled = labelled_requests(settings.data_dir)
    report = evaluate(index, catalog, parser, encoder.encode, words, labelled, config, seed, progress=not as_json)
    folder = out or settings.home / "eval"
    folder.mkdir(parents=True, exist_ok=True)
    history = report.pop("history")
    (folder / "eval.json").write_text(json.dumps(report, indent=2))
    plots = [plot_report(report, folder / "eval.png"), plot_training(history, folder / "training.png")]
    typer.echo(f"wrote {folder / 'eval.json'}, {', '.join(map(str, plots))}", err=True)
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    else:
        for protocol in ("cf", "tag", "text2playlist", "ingest_then_ask"):
            for model, metrics in report[protocol].items():
                typer.echo(f"{protocol:<14} {model:<11} " + "  ".join(f"{k} {v:.4f}" for k, v in metrics.items()))


def _save_report(folder: Path, name: str, report: dict, plot: Callable[[dict, Path], Path], as_json: bool) -> None:
    """NAME.json and NAME.png in `folder`; the report on stdout too with --json."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    typer.echo(f"wrote {folder / f'{name}.json'}, {plot(report, folder / f'{name}.png')}", err=True)
    if as_json:
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))


@eval_app.command("chat2tag")
def eval_chat2tag_cmd(
    labelled: Annotated[Path, typer.Option(help="Labelled messages (JSON lines)")] = REPO_DATA / "chat2tag" / "eval.jsonl",
    out: Annotated[Path | None, typer.Option(help="Folder for chat2tag.json and its plot")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
) -> None:
    """The local Chat2Tag path on the labelled set: tag precision/recall, constraint accuracy, latency."""
    from bot.app.wiring import local_chat2tag
    from recommender.chat2tag_eval import (
        evaluate_chat2tag,
        load_labelled,
        plot_chat2tag,
    )
    from recommender.index import CatalogIndex
    from recommender.lookup import CatalogLookup

    settings = _settings()
    _catalog_ready(settings, progress=not as_json)
    index = CatalogIndex.load(settings.catalog_dir)
    lookup = CatalogLookup(index)
    parser = local_chat2tag(settings, index, lookup)
    parser.warm_up()  # as the bot does at start-up: the first pass then measures a running bot
    report = evaluate_chat2tag(parser.parse, load_labelled(labelled), lookup.category)
    _save_report(out or settings.home / "eval", "chat2tag", report, plot_chat2tag, as_json)
    if not as_json:
        t = report["tags"]
        typer.echo(f"tags: precision {t['precision']:.3f} recall {t['recall']:.3f} "
                   f"(by category {t['category_precision']:.3f} / {t['category_recall']:.3f})")
        typer.echo(f"small talk vs request accuracy {report['music_vs_small_talk_accuracy']:.3f}; "
                   f"constraints all right {report['constraints']['all_right']:.3f}")


@eval_app.command("docs")
def eval_docs_cmd(
    source: Annotated[Path, typer.Option("--from", help="Folder with SEED/eval.json per seed and fit.json")],
    docs: Annotated[Path, typer.Option("--to", help="Where evaluation.md and its plots go")] = Path("docs"),
) -> None:
    """Write docs/evaluation.md from the evaluation JSON, so the page shows exactly what was measured."""
    from recommender.eval_docs import write

    typer.echo(f"wrote {write(source, docs)}")


@eval_app.command("fit")
def eval_fit_cmd(
    labelled: Annotated[Path, typer.Option(help="Labelled requests (JSON lines)")] = REPO_DATA / "fit" / "requests.jsonl",
    out: Annotated[Path | None, typer.Option(help="Folder for fit.json and fit.png")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
) -> None:
    """Do the songs fit the request? fit@10 of the served ranker and baselines on labelled everyday requests."""
    import numpy as np
    from tqdm import tqdm

    from bot.app.wiring import local_chat2tag
    from recommender.content import ContentRecommender
    from recommender.encoder import load_encoder
    from recommender.fit_eval import evaluate_fit, plot_fit
    from recommender.fit_judge import TrackFacts, load_requests
    from recommender.index import CatalogIndex
    from recommender.lookup import CatalogLookup
    from recommender.types import Taste

    settings = _settings()
    requests = load_requests(labelled)
    facts = TrackFacts.from_data(settings.data_dir)

    async def served_lists() -> dict[str, list[str]]:
        async with open_app(settings, progress=not as_json) as application:
            lists = {}
            for request in tqdm(requests, desc="served", disable=as_json):
                _, tracks = await application.core.recommend("eval:fit", request.text, 10)
                lists[request.text] = [t.track_id for t in tracks]
            return lists

    served = asyncio.run(served_lists())
    index = CatalogIndex.load(settings.catalog_dir)
    encoder = load_encoder(settings.encoder)
    content = ContentRecommender(index)
    parser = local_chat2tag(settings, index, CatalogLookup(index))

    def first_release(text: str) -> list[str]:
        intent = parser.parse(text)
        return [t.track_id for t in content.recommend(Taste(), intent.weighted_tags, 10, filters=intent.filters())]

    def sentence_similarity(text: str) -> list[str]:
        scores = index.track_emb @ encoder.encode([text])[0]
        return index.track_ids[np.argsort(-scores)[:10]].tolist()

    parser.warm_up()
    report = evaluate_fit({"served": served.__getitem__, "content": first_release, "cbf": sentence_similarity},
                          requests, facts)
    _save_report(out or settings.home / "eval", "fit", report, plot_fit, as_json)
    if not as_json:
        for model in ("served", "content", "cbf"):
            for part in ("tune", "report"):
                r = report[model][part]
                typer.echo(f"{model:<8} {part:<6} fit@10 {r['fit']:.3f}  hard {r['hard']:.3f}  "
                           f"random {r['random']:.3f}  lift {r['lift']:.2f}")


@app.command("bench")
def bench_cmd(
    rounds: Annotated[int, typer.Option(min=10, help="Requests per backend")] = 300,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Latency (p50/p99), throughput, cold start and peak RSS: GraphSAGE against the content-based baseline."""
    from bot.app.bench import bench

    result = asyncio.run(bench(_settings(), rounds))
    typer.echo(json.dumps(result, indent=2 if as_json else 1))


if __name__ == "__main__":
    app()
