"""A local Spotify stand-in: the accounts service (authorize, token) and the Web API endpoints Suggestify uses
(me, me/playlists, playlists/{id}/items, me/top/tracks, me/player/recently-played), with scripted failures."""

from __future__ import annotations

import base64
import secrets
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from tests.fakes.local_server import serve_locally

CLIENT_ID, CLIENT_SECRET = "suggestify-test-client", "test-client-secret"


class FakeSpotify:
    def __init__(self, top_tracks: list[dict[str, Any]] | None = None, user_id: str = "spotify-user-1",
                 display_name: str = "Ada") -> None:
        self.user = {"id": user_id, "display_name": display_name}
        self.top_tracks = top_tracks or []
        self.recent: list[dict[str, Any]] = []
        self.codes: dict[str, str] = {}  # code -> redirect_uri it was issued for
        self.access: dict[str, float] = {}  # access token -> expiry (epoch s)
        self.refresh_tokens: set[str] = set()
        self.playlists: dict[str, dict[str, Any]] = {}
        self.failures: dict[str, list[tuple[int, dict[str, str], bool]]] = defaultdict(list)  # route -> errors
        self.calls: list[tuple[str, str]] = []  # (method, path) of every API call
        self.token_grants: list[str] = []
        self.base = ""

    # -- scripting --------------------------------------------------------
    def fail_next(self, route: str, status: int, headers: dict[str, str] | None = None, after: bool = False) -> None:
        """The next call to `route` ("POST me/playlists") answers `status`; with `after`, only once it has taken
        effect (a gateway error on the way back: the client cannot tell whether the write happened)."""
        self.failures[route].append((status, headers or {}, after))

    def expire_all(self) -> None:
        self.access = {t: 0.0 for t in self.access}

    # -- accounts ---------------------------------------------------------
    async def _authorize(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("client_id") != CLIENT_ID or q.get("response_type") != "code":
            return web.Response(status=400, text="bad client")
        code = secrets.token_urlsafe(16)
        self.codes[code] = q["redirect_uri"]
        raise web.HTTPFound(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q.get('state', '')})}")

    async def _token(self, request: web.Request) -> web.Response:
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return web.json_response({"error": "invalid_client"}, status=401)
        form = await request.post()
        grant = str(form.get("grant_type"))
        self.token_grants.append(grant)
        if grant == "authorization_code":
            if self.codes.pop(str(form.get("code")), None) != form.get("redirect_uri"):
                return web.json_response({"error": "invalid_grant", "error_description": "Invalid authorization code"},
                                         status=400)
        elif grant == "refresh_token":
            if str(form.get("refresh_token")) not in self.refresh_tokens:
                return web.json_response({"error": "invalid_grant", "error_description": "Invalid refresh token"},
                                         status=400)
        else:
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        access, refresh = "AT-" + secrets.token_urlsafe(24), "RT-" + secrets.token_urlsafe(24)
        self.access[access] = time.time() + 3600
        self.refresh_tokens.add(refresh)
        return web.json_response({"access_token": access, "token_type": "Bearer", "expires_in": 3600,
                                  "refresh_token": refresh, "scope": "playlist-modify-private"})

    # -- Web API ----------------------------------------------------------
    @web.middleware
    async def _api_auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not request.path.startswith("/v1/"):
            return await handler(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if self.access.get(token, 0) < time.time():
            return web.json_response({"error": {"status": 401, "message": "The access token expired"}}, status=401)
        resource = request.match_info.route.resource
        route = f"{request.method} {resource.canonical.removeprefix('/v1/').rstrip('/') if resource else '?'}"
        self.calls.append((request.method, request.path))
        if not self.failures.get(route):
            return await handler(request)
        status, headers, after = self.failures[route].pop(0)
        if after:
            await handler(request)
        return web.json_response({"error": {"status": status, "message": "scripted"}}, status=status, headers=headers)

    async def _me(self, request: web.Request) -> web.Response:
        return web.json_response(self.user)

    def _page(self, request: web.Request, items: list[Any]) -> web.Response:
        limit, offset = int(request.query.get("limit", 20)), int(request.query.get("offset", 0))
        return web.json_response({"items": items[offset:offset + limit], "total": len(items), "limit": limit,
                                  "offset": offset, "next": None})

    async def _my_playlists(self, request: web.Request) -> web.Response:
        return self._page(request, [{k: p[k] for k in ("id", "name", "description")} for p in self.playlists.values()])

    async def _create_playlist(self, request: web.Request) -> web.Response:
        body = await request.json()
        pid = secrets.token_hex(8)
        self.playlists[pid] = {"id": pid, "name": body["name"], "description": body.get("description", ""),
                               "public": body.get("public", True), "uris": []}
        return web.json_response({"id": pid, "name": body["name"], "external_urls":
                                  {"spotify": f"https://open.spotify.com/playlist/{pid}"}}, status=201)

    async def _items(self, request: web.Request) -> web.Response:
        playlist = self.playlists.get(request.match_info["pid"])
        if playlist is None:
            return web.json_response({"error": {"status": 404, "message": "Not found"}}, status=404)
        if request.method == "POST":
            uris = await request.json()
            if isinstance(uris, dict):
                uris = uris.get("uris", [])
            playlist["uris"].extend(uris)
            return web.json_response({"snapshot_id": secrets.token_hex(4)}, status=201)
        return self._page(request, [{"item": {"uri": u, "type": "track"}, "track": {"uri": u}} for u in playlist["uris"]])

    async def _top(self, request: web.Request) -> web.Response:
        return self._page(request, self.top_tracks)

    async def _recent(self, request: web.Request) -> web.Response:
        limit = int(request.query.get("limit", 20))
        return web.json_response({"items": [{"track": t} for t in self.recent[:limit]], "next": None})

    @asynccontextmanager
    async def running(self) -> AsyncIterator["FakeSpotify"]:
        app = web.Application(middlewares=[self._api_auth])
        app.router.add_get("/authorize", self._authorize)
        app.router.add_post("/api/token", self._token)
        app.router.add_get("/v1/me", self._me)
        app.router.add_get("/v1/me/", self._me)  # spotipy asks for "me/"
        app.router.add_get("/v1/me/playlists", self._my_playlists)
        app.router.add_post("/v1/me/playlists", self._create_playlist)
        app.router.add_route("*", "/v1/playlists/{pid}/items", self._items)
        app.router.add_get("/v1/me/top/tracks", self._top)
        app.router.add_get("/v1/me/player/recently-played", self._recent)
        async with serve_locally(app, access_log=False) as port:
            self.base = f"http://127.0.0.1:{port}"
            yield self


def track(track_id: str, name: str, artist: str) -> dict[str, Any]:
    """A Web API track object, as top tracks and recently played list them."""
    return {"id": track_id, "uri": f"spotify:track:{track_id}", "name": name, "artists": [{"name": artist}]}
