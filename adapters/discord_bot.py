"""The Discord adapter: slash commands and persistent buttons over the bot core (discord.py 2.x).

    await run_discord(core, DiscordConfig(token=...))        # returns when the client closes

or, to close it from elsewhere:

    client = SuggestifyClient(core, config)
    task = asyncio.create_task(client.serve())
    ...
    await client.close()
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient, Route

from adapters.discord_answer import Answers, Interaction
from adapters.discord_items import DYNAMIC_ITEMS
from adapters.discord_render import render
from bot.core import BotCore
from bot.core.export import FORMATS as EXPORT_FORMATS
from bot.core.messages import Reply

log = logging.getLogger(__name__)

DEFAULT_API = "https://discord.com/api/v10"


@dataclass(frozen=True)
class DiscordConfig:
    token: str = field(repr=False)  # never printed, never logged
    api_base_url: str = DEFAULT_API  # the REST root; a stand-in in tests
    gateway_url: str | None = None  # None: Discord's own gateway
    guild_ready_timeout: float = 2.0  # how long discord.py waits for GUILD_CREATEs before "ready"
    sync_commands: bool = True  # push the slash commands to Discord at start-up
    # Several workers split the guilds: this one connects as shard `shard_id` of `shard_count` (Discord sends a
    # guild's events and interactions to one shard only). None: one unsharded connection.
    shard_id: int | None = None
    shard_count: int | None = None


class SuggestifyClient(discord.Client):
    def __init__(self, core: BotCore, config: DiscordConfig) -> None:
        # Default intents: no privileged ones; voice states (for /blend) are included.
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=config.guild_ready_timeout,
                         shard_id=config.shard_id, shard_count=config.shard_count)
        self.config = config
        self.answers = Answers(core)
        self.tree = app_commands.CommandTree(self)
        register_commands(self.tree, self.answers)
        if config.gateway_url:
            redirect_gateway(self.http, config.gateway_url)

    async def setup_hook(self) -> None:
        # Registered before the first event, so the buttons of messages sent before a restart work at once.
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        if self.config.sync_commands:
            try:
                await self.tree.sync()
            except discord.HTTPException:
                log.exception("syncing Discord slash commands failed; the ones Discord already has stay")

    async def press(self, interaction: Interaction, text: str, owner_id: int) -> None:
        """Where the dynamic items send a press (see adapters.discord_items.Presses)."""
        await self.answers.press(interaction, text, owner_id)

    async def serve(self) -> None:
        """Log in, connect, and answer until `close()` is awaited (or this task is cancelled)."""
        # discord.py reads the REST root from a class attribute, for this process: REST and webhooks alike.
        Route.BASE = self.config.api_base_url.rstrip("/")
        async with self:  # closes the client however serving ends
            await self.start(self.config.token)


async def start_discord_sender(config: DiscordConfig) -> discord.Client:
    """Discord's REST API for sending only (logged in, no gateway), for a process that serves no interactions
    (the scheduler role); `close()` ends it."""
    Route.BASE = config.api_base_url.rstrip("/")
    client = discord.Client(intents=discord.Intents.none())
    await client.login(config.token)
    return client


def discord_sender(client: discord.Client) -> Callable[[str, Reply], Awaitable[None]]:
    """Sends a core reply unprompted: scheduled suggestions to the channel a listener subscribed from, personal
    notices (Spotify connected, a playlist saved) as a direct message."""
    async def send(chat_id: str, reply: Reply) -> None:
        channel_id, _, user_id = chat_id.partition(":")
        if reply.private:
            user = client.get_user(int(user_id)) or await client.fetch_user(int(user_id))
            await user.send(**render(reply, int(user_id)).for_send())
            return
        channel = client.get_channel(int(channel_id)) or await client.fetch_channel(int(channel_id))
        await channel.send(content=f"<@{user_id}>", **render(reply, int(user_id or 0)).for_send())  # type: ignore[union-attr]
    return send


async def run_discord(core: BotCore, config: DiscordConfig) -> None:
    """The entry point for the composition root: serve Discord until the client closes."""
    await SuggestifyClient(core, config).serve()


def register_commands(tree: app_commands.CommandTree[SuggestifyClient], answers: Answers) -> None:
    """Every slash command in one place; each says only which text it sends to the core, and whether the
    answer is private (personal content is ephemeral)."""

    @tree.command(name="playlist", description="A playlist for your mood, a moment or an activity")
    @app_commands.describe(text="e.g. rainy sunday morning, feeling nostalgic")
    async def playlist(interaction: Interaction, text: app_commands.Range[str, 1, 500]) -> None:
        # A command typed here ("/connect") gets a personal answer: only the caller sees it.
        await answers.command(interaction, text, private=text.lstrip().startswith("/"))

    @tree.command(name="tags", description="The tags behind your playlist (only you see this)")
    async def tags(interaction: Interaction) -> None:
        await answers.command(interaction, "/tags", private=True)

    @tree.command(name="taste", description="Name artists you love, so playlists fit your taste")
    @app_commands.describe(artists="Artists separated by commas, e.g. Radiohead, Björk")
    async def taste(interaction: Interaction, artists: app_commands.Range[str, 1, 500]) -> None:
        await answers.command(interaction, f"/taste {artists}", private=True)

    @tree.command(name="blend", description="One playlist blending members' tastes, or your voice channel's")
    @app_commands.guild_only()
    @app_commands.describe(mood="Optional: the mood for it", member1="A member to blend in (none: your voice channel)",
                           member2="Another member", member3="Another member", member4="Another member",
                           member5="Another member", optin="Let your own taste join others' blends, or not")
    async def blend(interaction: Interaction, mood: app_commands.Range[str, 0, 500] = "",
                    member1: discord.Member | None = None, member2: discord.Member | None = None,
                    member3: discord.Member | None = None, member4: discord.Member | None = None,
                    member5: discord.Member | None = None, optin: Literal["on", "off"] | None = None) -> None:
        if optin is not None:  # consent is the member's own business: answered privately
            await answers.command(interaction, f"/blend {optin}", private=True)
            return
        named = [m for m in (member1, member2, member3, member4, member5) if m is not None]
        await answers.blend(interaction, named, mood)

    @tree.command(name="save", description="Save your playlist to Spotify")
    async def save(interaction: Interaction) -> None:
        await answers.command(interaction, "/save", private=True)

    @tree.command(name="connect", description="Connect your Spotify account (only you see this)")
    async def connect(interaction: Interaction) -> None:
        await answers.command(interaction, "/connect", private=True)

    @tree.command(name="disconnect", description="Unlink your Spotify account (only you see this)")
    async def disconnect(interaction: Interaction) -> None:
        await answers.command(interaction, "/disconnect", private=True)

    @tree.command(name="export", description="Your playlist as Spotify and YouTube links and a file (only you see it)")
    @app_commands.rename(file_format="format")
    @app_commands.describe(file_format="M3U opens in most players; JSPF imports into ListenBrainz")
    @app_commands.choices(file_format=[app_commands.Choice(name=f.upper(), value=f) for f in EXPORT_FORMATS])
    async def export(interaction: Interaction, file_format: app_commands.Choice[str] | None = None) -> None:
        text = f"/export {file_format.value}" if file_format else "/export"
        await answers.command(interaction, text, private=True)

    @tree.command(name="help", description="What Suggestify can do")
    async def help_(interaction: Interaction) -> None:
        await answers.command(interaction, "/help", private=True)

    tree.error(answers.on_tree_error)


def redirect_gateway(http: HTTPClient, gateway_url: str) -> None:
    """Open this client's gateway sockets at `gateway_url` instead of Discord's.

    discord.py 2.x's `Client.connect` starts every session at `DiscordWebSocket.DEFAULT_GATEWAY` (a class
    attribute, shared by the process; only AutoShardedClient asks GET /gateway/bot), and every gateway socket is
    opened through `http.ws_connect`. Rewriting Discord's default host there keeps the query discord.py adds
    (v, encoding, compress) and leaves the resume URL that READY hands out as it is.
    """
    default_host = DiscordWebSocket.DEFAULT_GATEWAY.host
    target = yarl.URL(gateway_url)
    ws_connect = http.ws_connect

    async def redirected(url: str, *, compress: int = 0) -> aiohttp.ClientWebSocketResponse:
        parsed = yarl.URL(url)
        if parsed.host == default_host:
            parsed = target.with_query(parsed.query)
        return await ws_connect(str(parsed), compress=compress)

    http.ws_connect = redirected  # type: ignore[method-assign]
