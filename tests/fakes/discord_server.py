"""A local Discord stand-in for a real discord.py client: the REST API it calls and a gateway websocket.

    async with FakeDiscord().running() as fake:
        config = DiscordConfig(token="t", api_base_url=fake.api_base_url, gateway_url=fake.gateway_url)
        ...
        token = await fake.slash("playlist", {"text": "rainy day"}, user=fake.user(1))
        edit = await fake.wait_for("PATCH", f"/webhooks/{fake.app_id}/{token}/messages/@original")

Every REST request is recorded (method, path, query, JSON body, uploaded files); the messages the bot writes
through interaction webhooks are kept, so a test can press their buttons (`press`) like a person would.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import re
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from aiohttp import BodyPartReader, WSMsgType, web

from tests.fakes.local_server import serve_locally

Json = dict[str, Any]

APP_ID = 1111111111111111111
GUILD_ID = 2222222222222222222
CHANNEL_ID = 3333333333333333333
VOICE_CHANNEL_ID = 3333333333333333334
DM_CHANNEL_ID = 3333333333333333335
HEARTBEAT_MS = 41_250
API_PREFIX = "/api/v10"


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    files: dict[str, bytes] = field(default_factory=dict)  # filename -> content, for a multipart upload

    def matches(self, method: str, path: str | re.Pattern[str]) -> bool:
        if self.method != method:
            return False
        return bool(path.fullmatch(self.path)) if isinstance(path, re.Pattern) else self.path == path


@dataclass
class FakeDiscord:
    app_id: int = APP_ID
    guild_id: int = GUILD_ID
    channel_id: int = CHANNEL_ID
    requests: list[Recorded] = field(default_factory=list)
    messages: dict[int, Json] = field(default_factory=dict)  # id -> the full message object
    api_base_url: str = ""
    gateway_url: str = ""
    identified: int = 0  # IDENTIFYs received: one per client start

    def __post_init__(self) -> None:
        self._ids = itertools.count(5_000_000_000_000_000_000)
        self._sockets: set[web.WebSocketResponse] = set()
        self._shards: dict[web.WebSocketResponse, tuple[int, int]] = {}  # a client's (shard id, shard count)
        self._seq = 0
        self._changed = asyncio.Condition()
        self._originals: dict[str, int] = {}  # interaction token -> id of its @original message

    # -- objects ----------------------------------------------------------
    @property
    def bot_user(self) -> Json:
        return {"id": str(self.app_id), "username": "Suggestify", "discriminator": "0", "global_name": None,
                "avatar": None, "bot": True, "flags": 0, "verified": True, "mfa_enabled": False}

    @staticmethod
    def user(n: int, name: str | None = None) -> Json:
        uid = 900_000_000_000_000_000 + n
        return {"id": str(uid), "username": name or f"listener{n}", "discriminator": "0",
                "global_name": name or f"Listener {n}", "avatar": None}

    @staticmethod
    def member(user: Json, with_user: bool = True) -> Json:
        data: Json = {"roles": [], "joined_at": _now(), "deaf": False, "mute": False, "flags": 0,
                      "permissions": "2147483647", "nick": None, "avatar": None}
        return {"user": user, **data} if with_user else data

    def guild(self, voice: Sequence[Json] = ()) -> Json:
        """A GUILD_CREATE payload: one text channel and one voice channel with `voice` users in it."""
        return {
            "id": str(self.guild_id), "name": "Listening party", "icon": None, "owner_id": str(self.app_id),
            "unavailable": False, "member_count": len(voice) + 1, "large": False, "features": [],
            "roles": [{"id": str(self.guild_id), "name": "@everyone", "permissions": "2147483647", "position": 0,
                       "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0}],
            "emojis": [], "stickers": [], "threads": [], "stage_instances": [], "guild_scheduled_events": [],
            "soundboard_sounds": [], "presences": [],
            "channels": [
                self.text_channel(),
                {"id": str(VOICE_CHANNEL_ID), "type": 2, "name": "Lounge", "position": 1,
                 "guild_id": str(self.guild_id), "permission_overwrites": [], "bitrate": 64000, "user_limit": 0,
                 "parent_id": None, "nsfw": False, "rtc_region": None},
            ],
            "members": [self.member(self.bot_user), *(self.member(u) for u in voice)],
            "voice_states": [
                {"user_id": u["id"], "channel_id": str(VOICE_CHANNEL_ID), "session_id": f"s{u['id']}",
                 "deaf": False, "mute": False, "self_deaf": False, "self_mute": False, "self_video": False,
                 "suppress": False, "request_to_speak_timestamp": None}
                for u in voice
            ],
        }

    def text_channel(self) -> Json:
        return {"id": str(self.channel_id), "type": 0, "name": "music", "position": 0, "guild_id": str(self.guild_id),
                "permission_overwrites": [], "nsfw": False, "parent_id": None}

    def _message(self, body: Json, *, ephemeral: bool = False) -> Json:
        flags = int(body.get("flags") or 0) | (64 if ephemeral else 0)
        return {
            "id": str(next(self._ids)), "channel_id": str(self.channel_id), "guild_id": str(self.guild_id),
            "type": 20, "content": body.get("content") or "", "author": self.bot_user, "timestamp": _now(),
            "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [],
            "attachments": self._attachments(body), "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False, "flags": flags, "webhook_id": str(self.app_id), "application_id": str(self.app_id),
        }

    def _attachments(self, body: Json) -> list[Json]:
        """Attachment objects for the files a message body names (discord.py lists them in payload_json)."""
        return [{"id": str(next(self._ids)), "filename": a.get("filename", "file"), "size": 0,
                 "url": f"https://cdn.example/{a.get('filename', 'file')}", "proxy_url": "https://cdn.example/p"}
                for a in body.get("attachments") or [] if isinstance(a, dict)]

    # -- what a test sends -------------------------------------------------
    def _interaction(self, kind: int, data: Json, user: Json, message: Json | None = None,
                     channel_id: int | None = None) -> Json:
        channel = channel_id or self.channel_id
        payload: Json = {
            "id": str(next(self._ids)), "application_id": str(self.app_id), "type": kind, "data": data,
            "token": f"itoken{next(self._ids)}", "version": 1, "guild_id": str(self.guild_id),
            "channel_id": str(channel),
            "channel": {"id": str(channel), "type": 0, "name": "music", "guild_id": str(self.guild_id), "position": 0,
                        "permission_overwrites": [], "nsfw": False, "parent_id": None},
            "member": self.member(user), "app_permissions": "2147483647", "locale": "en-US", "guild_locale": "en-US",
            "entitlements": [], "authorizing_integration_owners": {"0": str(self.guild_id)}, "context": 0,
            "attachment_size_limit": 10_485_760,
        }
        if message is not None:
            payload["message"] = message
        return payload

    async def slash(self, name: str, options: Json | None = None, *, user: Json,
                    members: Sequence[Json] = ()) -> str:
        """Run slash command `name` as `user`; member options are given as user objects. Returns its token."""
        opts = []
        for key, value in (options or {}).items():
            if isinstance(value, dict):  # a member option
                opts.append({"name": key, "type": 6, "value": value["id"]})
            else:
                opts.append({"name": key, "type": 3, "value": value})
        data: Json = {"id": str(next(self._ids)), "name": name, "type": 1, "options": opts}
        named = [v for v in (options or {}).values() if isinstance(v, dict)] + list(members)
        if named:
            data["resolved"] = {"users": {u["id"]: u for u in named},
                                "members": {u["id"]: self.member(u, with_user=False) for u in named}}
        interaction = self._interaction(2, data, user)
        await self.dispatch("INTERACTION_CREATE", interaction)
        return interaction["token"]

    async def press(self, message: Json, custom_id: str, *, user: Json, values: list[str] | None = None) -> str:
        """Press the component `custom_id` of a message the bot wrote. Returns the interaction's token."""
        component = next((c for row in message["components"] for c in row["components"]
                          if c.get("custom_id") == custom_id), None)
        if component is None:
            raise KeyError(f"no component {custom_id!r} on message {message['id']}")
        data: Json = {"custom_id": custom_id, "component_type": component["type"]}
        if values is not None:
            data["values"] = values
        interaction = self._interaction(3, data, user, message=message)
        self._originals[interaction["token"]] = int(message["id"])  # a component's @original is its message
        await self.dispatch("INTERACTION_CREATE", interaction)
        return interaction["token"]

    async def dispatch(self, event: str, data: Json) -> None:
        """Send a gateway DISPATCH to every identified client; a guild's event only to the shard that owns the
        guild, as Discord does ((guild_id >> 22) % shard_count)."""
        if not self._sockets:
            raise RuntimeError("no client is connected to the fake gateway")
        self._seq += 1
        frame = json.dumps({"op": 0, "t": event, "s": self._seq, "d": data})
        guild = data.get("guild_id") or (data.get("id") if event == "GUILD_CREATE" else None)
        for ws in list(self._sockets):
            shard, count = self._shards.get(ws, (0, 1))
            if guild is None or (int(guild) >> 22) % count == shard:
                await ws.send_str(frame)

    async def wait_for(self, method: str, path: str | re.Pattern[str], *, after: int = 0,
                       timeout: float = 30.0) -> Recorded:
        """The first request (from index `after` on) with this method and path, waiting for it to arrive."""
        return await self.wait_until(lambda r: r.matches(method, path), after=after, timeout=timeout)

    async def wait_until(self, check: Callable[[Recorded], bool], *, after: int = 0, timeout: float = 30.0) -> Recorded:
        def found() -> Recorded | None:
            return next((r for r in self.requests[after:] if check(r)), None)

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: found() is not None), timeout)
        hit = found()
        assert hit is not None
        return hit

    def original(self, token: str) -> Json:
        """A copy of the message an interaction's @original stands for, as last written (later edits leave
        this copy as it is, so a test can compare before and after)."""
        return copy.deepcopy(self.messages[self._originals[token]])

    # -- REST ---------------------------------------------------------------
    async def _record(self, request: web.Request) -> Any:
        body = await request.json() if request.can_read_body and request.content_type == "application/json" else None
        files: dict[str, bytes] = {}
        if body is None and request.can_read_body and request.content_type.startswith("multipart/"):
            body, files = await _multipart(request)
        path = request.path.removeprefix(API_PREFIX)  # recorded relative to the REST root, as Discord documents it
        self.requests.append(Recorded(request.method, path, dict(request.query), body, files))
        async with self._changed:
            self._changed.notify_all()
        return body

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        body = await self._record(request)
        path, method = request.path.removeprefix(API_PREFIX), request.method
        app = str(self.app_id)
        if method == "GET" and path == "/users/@me":
            return _json(self.bot_user)
        if method == "GET" and path == "/oauth2/applications/@me":
            return _json({"id": app, "name": "Suggestify", "description": "", "icon": None, "bot_public": True,
                          "bot_require_code_grant": False, "owner": self.user(0, "owner"), "verify_key": "00",
                          "flags": 0, "team": None})
        if method == "GET" and path in ("/gateway", "/gateway/bot"):
            return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": {
                "total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}})
        if method == "PUT" and path == f"/applications/{app}/commands":
            return _json([{"id": str(next(self._ids)), "application_id": app, "version": "1", **cmd} for cmd in body])
        if m := re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", path):
            return self._callback(m[1], m[2], body or {})
        if m := re.fullmatch(rf"/webhooks/{app}/([^/]+)", path):
            if method == "POST":  # a followup
                message = self._message(body or {})
                self.messages[int(message["id"])] = message
                return _json(message)
        if method == "GET" and (m := re.fullmatch(r"/users/(\d+)", path)):
            return _json({**self.user(0), "id": m[1]})
        if method == "POST" and path == "/users/@me/channels":  # a direct message's channel
            recipient = {**self.user(0), "id": str((body or {}).get("recipient_id"))}
            return _json({"id": str(DM_CHANNEL_ID), "type": 1, "recipients": [recipient], "last_message_id": None})
        if method == "GET" and path == f"/channels/{self.channel_id}":  # a channel the cache lacks
            return _json(self.text_channel())
        if method == "POST" and (m := re.fullmatch(r"/channels/(\d+)/messages", path)):  # a bot-initiated post
            message = self._message(body or {}) | {"channel_id": m[1]}
            self.messages[int(message["id"])] = message
            return _json(message)
        if m := re.fullmatch(rf"/webhooks/{app}/([^/]+)/messages/([^/]+)", path):
            return self._webhook_message(method, m[1], m[2], body or {})
        return _json({"message": f"fake discord: no route for {method} {path}", "code": 0}, status=404)

    def _callback(self, interaction_id: str, token: str, body: Json) -> web.Response:
        kind = int(body.get("type", 0))
        data = body.get("data") or {}
        ephemeral = bool(int(data.get("flags") or 0) & 64)
        answer: Json = {"interaction": {"id": interaction_id, "type": 2, "response_message_loading": kind == 5,
                                        "response_message_ephemeral": ephemeral}}
        if kind in (4, 5):  # a message (or its "thinking…" placeholder) becomes the interaction's @original
            message = self._message(data, ephemeral=ephemeral)
            self.messages[int(message["id"])] = message
            self._originals[token] = int(message["id"])
            answer["interaction"]["response_message_id"] = message["id"]
            answer["resource"] = {"type": kind, "message": message}
        return _json(answer)

    def _webhook_message(self, method: str, token: str, which: str, body: Json) -> web.StreamResponse:
        message_id = self._originals.get(token) if which == "@original" else int(which)
        if message_id is None or message_id not in self.messages:
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        if method == "DELETE":
            del self.messages[message_id]
            return web.Response(status=204)
        if method == "PATCH":
            message = self.messages[message_id]
            for key in ("content", "embeds", "components"):
                if key in body:
                    message[key] = body[key] or ([] if key != "content" else "")
            if "attachments" in body:
                message["attachments"] = self._attachments(body)
            message["edited_timestamp"] = _now()
        return _json(self.messages[message_id])

    # -- gateway ------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_MS}, "s": None, "t": None})
        try:
            async for frame in ws:
                if frame.type != WSMsgType.TEXT:
                    continue
                payload = json.loads(frame.data)
                if payload["op"] == 1:
                    await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
                elif payload["op"] == 2:
                    self.identified += 1
                    self._seq += 1
                    self._sockets.add(ws)
                    shard = payload["d"].get("shard") or [0, 1]
                    self._shards[ws] = (int(shard[0]), int(shard[1]))
                    await ws.send_json({"op": 0, "t": "READY", "s": self._seq, "d": {
                        "v": 10, "user": self.bot_user, "guilds": [], "private_channels": [], "relationships": [],
                        "session_id": f"session{self.identified}", "resume_gateway_url": self.gateway_url,
                        "shard": list(self._shards[ws]), "application": {"id": str(self.app_id), "flags": 0}}})
                elif payload["op"] == 6:  # RESUME
                    self._sockets.add(ws)
                    await ws.send_json({"op": 0, "t": "RESUMED", "s": self._seq, "d": {}})
        finally:
            self._sockets.discard(ws)
        return ws

    @asynccontextmanager
    async def running(self) -> AsyncIterator["FakeDiscord"]:
        app = web.Application()
        app.router.add_get("/gateway-ws/", self._gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        async with serve_locally(app) as port:
            self.api_base_url = f"http://127.0.0.1:{port}{API_PREFIX}"
            self.gateway_url = f"ws://127.0.0.1:{port}/gateway-ws/"
            try:
                yield self
            finally:
                for ws in list(self._sockets):
                    await ws.close()


def _json(data: Any, status: int = 200) -> web.Response:
    # discord.py parses a body only when its Content-Type is exactly application/json
    return web.Response(body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"})


async def _multipart(request: web.Request) -> tuple[Any, dict[str, bytes]]:
    """Messages with files come as multipart: their JSON is the `payload_json` part, each file a `files[n]`
    part with its filename."""
    body: Any = None
    files: dict[str, bytes] = {}
    reader = await request.multipart()
    async for part in reader:
        if not isinstance(part, BodyPartReader):
            continue
        if part.name == "payload_json":
            body = json.loads(await part.text())
        elif part.filename:
            files[part.filename] = bytes(await part.read())
    return body, files


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()
