"""The small web server in the bot's process: the /connect start page (which binds a link to one browser) and
Spotify's OAuth callback."""

from __future__ import annotations

import html
import secrets
from urllib.parse import urlsplit

from aiohttp import web

from adapters.spotify_accounts import SpotifyAccounts, start_path

COOKIE = "suggestify_connect"  # the nonce binding a /connect link to the browser that opened it
COOKIE_SECONDS = 600
START = """This links a Spotify account to the Suggestify chat where <b>/connect</b> was typed. If someone sent
you this link, close this page.</p><form method="post"><input type="hidden" name="state" value="{state}">
<button type="submit">Continue to Spotify</button></form><p>"""
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
           "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' https:"}

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
    secure = urlsplit(accounts.api.config.redirect_uri).scheme == "https"

    def page(title: str, text: str, status: int = 200, raw: str = "") -> web.Response:
        body = PAGE.format(title=title, text=raw or html.escape(text))
        return web.Response(text=body, content_type="text/html", status=status, headers=HEADERS)

    async def start_page(request: web.Request) -> web.Response:
        """A page, not a redirect: link previews fetch GETs, and must not claim the link."""
        state = request.query.get("state", "")[:200]
        return page("Connect Spotify", "", raw=START.format(state=html.escape(state, quote=True)))

    async def start(request: web.Request) -> web.Response:
        form = await request.post()
        nonce = secrets.token_urlsafe(32)
        url = await accounts.begin(str(form.get("state", ""))[:200], nonce)
        if url is None:
            return page("Not connected", "This link has expired, was already used, or was opened in another "
                                         "browser. Ask the bot for a new one with /connect.", 400)
        response = web.Response(status=303, headers={**HEADERS, "Location": url})
        response.set_cookie(COOKIE, nonce, max_age=COOKIE_SECONDS, httponly=True, secure=secure, samesite="Lax",
                            path=path)
        return response

    async def callback(request: web.Request) -> web.Response:
        q = request.query
        ok, text = await accounts.finish(q.get("code", "")[:2000], q.get("state", ""), q.get("error", "")[:200],
                                         request.cookies.get(COOKIE))
        response = page("Connected ✓" if ok else "Not connected", text, 200 if ok else 400)
        response.del_cookie(COOKIE, path=path)
        return response

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get(path, callback)
    app.router.add_get(start_path(path), start_page)
    app.router.add_post(start_path(path), start)
    app.router.add_get("/healthz", health)
    return app


async def start_web(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)  # the access log would record each callback's code and state
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
