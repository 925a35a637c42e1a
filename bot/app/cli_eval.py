"""`suggestify eval …`: the recommenders, Chat2Tag and playlist fit measured on fixed protocols; each writes
its JSON (and plots) so docs/evaluation.md can be generated from it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from bot.app.cli_common import catalog_ready, settings_from_env
from bot.app.config import REPO_DATA
from bot.app.wiring import open_app

eval_app = typer.Typer(help="Measure the recommenders (default) or Chat2Tag on fixed, documented protocols.")


@eval_app.callback(invoke_without_command=True)
def eval_cmd(
    ctx: typer.Context,
    seed: Annotated[int, typer.Option(help="Seed of the hold-out split and of training")] = 0,
    epochs: Annotated[int | None, typer.Option(min=1, help="GraphSAGE epochs (default SUGGESTIFY_TRAIN_EPOCHS)")] = None,
    out: Annotated[Path | None, typer.Option(help="Folder for eval.json and the plots")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
) -> None:
    """GraphSAGE against popularity, ItemKNN, EASE, ALS and embedding CBF on fixed protocols (docs/recommender.md)."""
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

    settings = settings_from_env()
    catalog_ready(settings, progress=not as_json)
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

    settings = settings_from_env()
    catalog_ready(settings, progress=not as_json)
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

    settings = settings_from_env()
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


