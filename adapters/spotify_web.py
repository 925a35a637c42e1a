"""The small web server in the bot's process that receives Spotify's OAuth callback."""

from __future__ import annotations

import html
from urllib.parse import urlsplit

from aiohttp import web

from adapters.spotify_accounts import SpotifyAccounts

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Suggestify</title></head>
<body style="font-family:sans-serif;max-width:32em;margin:4em auto"><h1>{title}</h1><p>{text}</p></body></html>"""


def callback_path(redirect_uri: str) -> str:
    return urlsplit(redirect_uri).path or "/"


def listen_address(redirect_uri: str, host: str | None = None, port: int | None = None) -> tuple[str, int]:
    """Where the server listens: SUGGESTIFY_WEB_HOST/PORT, else the redirect URI's own host and port."""
    parts = urlsplit(redirect_uri)
    default_port = parts.port or (443 if parts.scheme == "https" else 80)
    return host or parts.hostname or "127.0.0.1", port or default_port


def callback_app(accounts: SpotifyAccounts, path: str) -> web.Application:
    async def callback(request: web.Request) -> web.Response:
        q = request.query
        ok, text = await accounts.finish(q.get("code", "")[:2000], q.get("state", ""), q.get("error", "")[:200])
        body = PAGE.format(title="Connected ✓" if ok else "Not connected", text=html.escape(text))
        return web.Response(text=body, content_type="text/html", status=200 if ok else 400,
                            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get(path, callback)
    app.router.add_get("/healthz", health)
    return app


async def start_web(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)  # the access log would record each callback's code and state
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
