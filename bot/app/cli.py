"""`suggestify`: the single entry point (typer)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from bot.app.cli_common import catalog_ready, settings_from_env, with_storage
from bot.app.cli_eval import eval_app
from bot.app.config import Settings
from bot.app.runner import Role
from bot.app.wiring import open_app

app = typer.Typer(add_completion=False, pretty_exceptions_show_locals=False, help="Suggestify: playlists from your mood and taste.")


@app.callback(invoke_without_command=True)
def main(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None:
        run(Role.ALL)


@app.command()
def run(role: Annotated[Role, typer.Option(help="all: one process does everything; worker: answers chats; "
                                                "scheduler: runs the scheduled jobs (several workers, one "
                                                "scheduler share one MongoDB)")] = Role.ALL) -> None:
    """Start every configured chat adapter; the console chat when no token is set."""
    from bot.app.runner import serve

    asyncio.run(serve(settings_from_env(), role=role))


@app.command()
def chat(user: Annotated[str, typer.Option(help="Console user name")] = "local") -> None:
    """Chat with Suggestify in the terminal (/quit to leave)."""
    asyncio.run(_chat(settings_from_env(), user))


async def _chat(settings: Settings, user: str = "local") -> None:
    from adapters.console import run_console

    async with open_app(settings) as application:
        await run_console(application.core, user)


@app.command("build")
def build_cmd(force: Annotated[bool, typer.Option(help="Rebuild even if up to date")] = False) -> None:
    """Ingest the shipped datasets into the database and build the serving index."""
    result = catalog_ready(settings_from_env(), force=force)
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

    settings = settings_from_env()
    result = with_storage(settings, lambda storage: ingest_tracks(storage, settings.catalog_dir, file,
                                                                  load_encoder(settings.encoder)))
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

    settings = settings_from_env()
    catalog_ready(settings, progress=not as_json)
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
    settings = settings_from_env()

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

    settings = settings_from_env()
    config = SageConfig(epochs=epochs or settings.train_epochs, seed=seed)
    typer.echo(json.dumps(with_storage(settings, lambda storage: train_model(storage, settings, config)), indent=2))


@app.command("retrain")
def retrain_cmd(
    force: Annotated[bool, typer.Option(help="Train even when nothing is new since the served model")] = False,
    epochs: Annotated[int | None, typer.Option(min=1, help="Epochs (default SUGGESTIFY_TRAIN_EPOCHS)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
) -> None:
    """Ingest the track files in the inbox, retrain, and publish the new models only if they evaluate no worse."""
    from jobs.pipelines.retrain import retrain, summary
    from recommender.sage import SageConfig

    settings = settings_from_env()
    config = SageConfig(epochs=epochs or settings.train_epochs)
    report = with_storage(settings, lambda storage: retrain(storage, settings, force=force, config=config,
                                                            progress=not as_json), progress=not as_json)
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


app.add_typer(eval_app, name="eval")


@app.command("bench")
def bench_cmd(
    rounds: Annotated[int, typer.Option(min=10, help="Requests per backend")] = 300,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    out: Annotated[Path | None, typer.Option(help="Folder for bench.json (for `suggestify eval docs`)")] = None,
    catalog_scale: Annotated[int, typer.Option(min=0, help="Also serve a synthetic catalog this many times the "
                                                        "size (10: ~300k tracks; minutes to embed)")] = 0,
    first_start: Annotated[bool, typer.Option("--first-start", help="Also time a first start from an empty home "
                                                                     "(catalog build and quick model; minutes)")] = False,
) -> None:
    """Latency (p50/p99), throughput, cold start and peak RSS: GraphSAGE against the content-based baseline."""
    from bot.app.bench import bench

    result = asyncio.run(bench(settings_from_env(), rounds, catalog_scale=catalog_scale, first_start=first_start))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "bench.json").write_text(json.dumps(result, indent=2))
        typer.echo(f"wrote {out / 'bench.json'}", err=True)
    typer.echo(json.dumps(result, indent=2 if as_json else 1))


if __name__ == "__main__":
    app()
