"""`suggestify`: the single entry point (typer)."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from bot.app import ensure_catalog, open_app, open_storage
from bot.config import Settings

app = typer.Typer(add_completion=False, pretty_exceptions_show_locals=False, help="Suggestify: playlists from your mood and taste.")


def _settings() -> Settings:
    settings = Settings.from_env()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return settings


@app.callback(invoke_without_command=True)
def main(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None:
        run()


@app.command()
def run() -> None:
    """Start every configured chat adapter; the console chat when no token is set."""
    settings = _settings()
    asyncio.run(_chat(settings))


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
    settings = _settings()

    async def go() -> dict:
        async with open_storage(settings) as storage:
            return await ensure_catalog(settings, storage, progress=True, force=force)

    result = asyncio.run(go())
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
    from bot.ingest import ingest_tracks
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

    async def go() -> None:
        async with open_storage(settings) as storage:
            await ensure_catalog(settings, storage, progress=not as_json)

    asyncio.run(go())
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


if __name__ == "__main__":
    app()
