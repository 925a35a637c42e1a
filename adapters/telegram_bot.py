"""Telegram direct messages over the bot core (python-telegram-bot 22).

The adapter only translates: an update becomes an `Incoming`, a `Reply` becomes an
HTML message with an inline keyboard. Buttons carry the core command they run
("/toggle rainy day", "/remove <track id>") as callback data, which Telegram caps
at 64 bytes; every callback query is answered so no client spins forever.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from adapters.telegram_webhook import TelegramWebhook
from bot.core import BotCore
from bot.core.messages import Action, Incoming, Reply
from bot.core.ordering import TURN_LEASE_S
from recommender.types import Recommendation

log = logging.getLogger(__name__)

MAX_CALLBACK_BYTES = 64
MAX_MESSAGE_CHARS = 4096
SUGGESTION_PREFIX = "m:"  # a suggested tag pressed: ask for a playlist of that mood
COMMANDS = {
    "start": "Say hello and get tag suggestions",
    "help": "What I can do",
    "taste": "Name artists or songs you like",
    "tags": "The tags behind your playlist",
    "more": "More like this",
    "export": "The playlist as links and a file (m3u or jspf)",
    "connect": "Connect Spotify",
    "save": "Save the playlist to Spotify",
    "disconnect": "Unlink Spotify",
}
CONCURRENT_UPDATES = 64  # updates handled at once; the core keeps each chat's own messages in order
HEAD_WITH_TRACKS = 1000  # how much of the text a playlist keeps when the whole reply is too long
CUT = "…"


@dataclass(frozen=True)
class TelegramConfig:
    token: str
    api_base_url: str = "https://api.telegram.org"  # a server root; methods live at <root>/bot<token>/<method>
    webhook_url: str | None = None  # set: webhook mode; unset: long polling
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_secret: str | None = None
    turn_lease_s: float = TURN_LEASE_S  # webhook mode: how long a worker that died answering a chat holds it

    def __post_init__(self) -> None:
        if self.webhook_url and not self.webhook_secret:  # else anyone reaching the port can act as any user
            raise ValueError("webhook mode needs TELEGRAM_WEBHOOK_SECRET (1-256 characters of A-Z, a-z, 0-9, _ and -)")

    def __repr__(self) -> str:  # never print the token
        return f"TelegramConfig(api={self.api_base_url}, mode={'webhook' if self.webhook_url else 'polling'})"


def fits(data: str) -> bool:
    return 0 < len(data.encode("utf-8")) <= MAX_CALLBACK_BYTES


def units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


def fit_html(text: str, limit: int) -> str:
    """Plain `text` as escaped HTML of at most `limit` units: cut at a line end (a link is never split), or
    within the first line when even that is too long, with "…" where it was cut. The escaped length is
    measured, so a cut never falls inside an entity such as &amp;."""
    escaped = html.escape(text)
    if units(escaped) <= limit:
        return escaped
    budget = max(limit - units(CUT), 0)
    kept: list[str] = []
    used = 0
    for line in text.split("\n"):
        part = html.escape(line) + "\n"
        if used + units(part) > budget:
            break
        kept.append(part)
        used += units(part)
    if not kept:  # one overlong first line: cut it by characters
        for char in text:
            part = html.escape(char)
            if used + units(part) > budget:
                break
            kept.append(part)
            used += units(part)
    return "".join(kept) + CUT


def _track_line(n: int, track: Recommendation, reason: bool) -> str:
    line = f"{n}. {html.escape(track.artist)} — <a href=\"{html.escape(track.url)}\">{html.escape(track.name)}</a>"
    return line + (f"\n    <i>{html.escape(track.reason)}</i>" if reason else "")


def render_text(reply: Reply) -> str:
    """The reply as Telegram HTML within the message limit: reasons are dropped before tracks are, and a long
    text (an export's links) is cut at a line end. Markup counts against the limit, which keeps it safe."""
    lines = [_track_line(i, t, reason=True) for i, t in enumerate(reply.playlist, 1)]
    text = "\n".join([html.escape(reply.text), *lines])
    if units(text) <= MAX_MESSAGE_CHARS:
        return text
    if not reply.playlist:
        return fit_html(reply.text, MAX_MESSAGE_CHARS)
    head = fit_html(reply.text, HEAD_WITH_TRACKS)
    used = units(head)
    kept: list[str] = []
    for i, track in enumerate(reply.playlist, 1):
        line = "\n" + _track_line(i, track, reason=False)
        if used + units(line) > MAX_MESSAGE_CHARS:
            break
        kept.append(line)
        used += units(line)
    return head + "".join(kept)


def _buttons(actions: list[Action], per_row: int) -> list[list[InlineKeyboardButton]]:
    usable = [InlineKeyboardButton(a.label[:60], callback_data=a.command) for a in actions if fits(a.command)]
    return [usable[i: i + per_row] for i in range(0, len(usable), per_row)]


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """Tag toggles, then more + feedback, then one remove button per track; or the suggested tags."""
    by_kind: dict[str, list[Action]] = {}
    for action in reply.actions:
        by_kind.setdefault(action.kind, []).append(action)
    rows = _buttons(by_kind.get("tag", []), 3)
    rows += _buttons(by_kind.get("more", []) + by_kind.get("feedback", []), 3)
    rows += _buttons(by_kind.get("remove", []), 5)
    if not reply.actions and reply.suggestions:
        rows = _buttons([Action(t, f"{SUGGESTION_PREFIX}{t}") for t in reply.suggestions], 4)
    return InlineKeyboardMarkup(rows) if rows else None


async def send_attachments(bot: Bot, chat_id: int, reply: Reply) -> None:
    """Each file of a reply (an exported playlist) as a document, after the text it belongs to."""
    for attachment in reply.attachments:
        await bot.send_document(chat_id, InputFile(attachment.content, filename=attachment.filename))


class TelegramHandlers:
    """Every update goes through here: commands, free text, and button presses."""

    def __init__(self, core: BotCore) -> None:
        self.core = core

    @staticmethod
    def _incoming(update: Update, text: str) -> Incoming:
        user = update.effective_user
        chat = update.effective_chat
        return Incoming("telegram", str(user.id if user else 0), str(chat.id if chat else 0), text,
                        user.first_name if user else "")

    async def message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Commands and free text alike: the core knows what "/more" means."""
        message = update.effective_message
        if message is None or message.text is None:
            return
        reply = await self.core.handle(self._incoming(update, message.text))
        if reply.quiet:
            return  # a flood past its first "slow down": answering each would spend everyone's send quota
        await message.reply_html(render_text(reply), reply_markup=keyboard(reply), disable_web_page_preview=True)
        await send_attachments(context.bot, message.chat_id, reply)

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        data = query.data or ""
        text = data.removeprefix(SUGGESTION_PREFIX) if data.startswith(SUGGESTION_PREFIX) else data
        try:
            reply = await self.core.handle(self._incoming(update, text))
        except Exception:
            await query.answer("Sorry, something went wrong. Please try again.")
            raise
        if reply.attachments and query.message is not None:
            # a file (an export) needs a message of its own: a toast cannot carry it
            await query.answer()
            await query.message.reply_html(render_text(reply), reply_markup=keyboard(reply),
                                           disable_web_page_preview=True)
            await send_attachments(context.bot, query.message.chat.id, reply)
            return
        if not reply.playlist or data.startswith(SUGGESTION_PREFIX):
            # A rating or a fresh playlist: a short toast for the first, a new message for the second.
            await query.answer(reply.text[:200] if not reply.playlist else None)
            if reply.playlist and query.message is not None:
                await query.message.reply_html(render_text(reply), reply_markup=keyboard(reply),
                                               disable_web_page_preview=True)
            return
        await query.answer()
        try:
            await query.edit_message_text(render_text(reply), parse_mode=ParseMode.HTML,
                                          reply_markup=keyboard(reply), disable_web_page_preview=True)
        except BadRequest as exc:  # the same playlist again: Telegram refuses a no-op edit
            if "not modified" not in str(exc).lower():
                raise

    async def error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram handler failed", exc_info=context.error)
        if isinstance(update, Update) and update.effective_message is not None:
            try:
                await update.effective_message.reply_text("Sorry, something went wrong on my side. Please try again.")
            except Exception:  # the platform itself is failing: the log line is all we can do
                log.warning("could not tell the user about the failure")


def _builder(config: TelegramConfig) -> ApplicationBuilder:  # type: ignore[type-arg]
    root = config.api_base_url.rstrip("/")
    return (ApplicationBuilder().token(config.token).base_url(f"{root}/bot").base_file_url(f"{root}/file/bot")
            .rate_limiter(AIORateLimiter()))  # Telegram's flood limits: queue and retry instead of failing


def build_application(core: BotCore, config: TelegramConfig) -> Application:
    # Updates handled concurrently: one listener's slow turn never holds up another's.
    application = _builder(config).concurrent_updates(CONCURRENT_UPDATES).build()
    handlers = TelegramHandlers(core)
    private = filters.ChatType.PRIVATE
    # Every handler, registered in one place.
    application.add_handler(CommandHandler(list(COMMANDS), handlers.message, filters=private))
    application.add_handler(MessageHandler(filters.TEXT & private, handlers.message))
    application.add_handler(CallbackQueryHandler(handlers.button))
    application.add_error_handler(handlers.error)
    return application


async def _set_commands(application: Application) -> None:
    await application.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS.items()])


@dataclass
class RunningTelegram:
    application: Application
    webhook: TelegramWebhook | None = None  # webhook mode: our server in front of the application


async def start_telegram(core: BotCore, config: TelegramConfig) -> RunningTelegram:
    """Start long polling, or the webhook server several workers can share; `stop_telegram` ends it."""
    application = build_application(core, config)
    await application.initialize()
    await _set_commands(application)  # post_init hooks run only under run_polling(); this runner is ours
    await application.start()
    running = RunningTelegram(application)
    if config.webhook_url and config.webhook_secret:
        running.webhook = TelegramWebhook(application, core.s.inbox, config.webhook_secret,
                                          urlsplit(config.webhook_url).path or "/", config.turn_lease_s)
        await running.webhook.start(config.webhook_listen, config.webhook_port)
        await application.bot.set_webhook(config.webhook_url, secret_token=config.webhook_secret,
                                          allowed_updates=Update.ALL_TYPES)
    else:
        assert application.updater is not None
        await application.updater.start_polling(allowed_updates=Update.ALL_TYPES, poll_interval=0.0, timeout=10)
    log.info("telegram adapter running (%s)", "webhook" if running.webhook else "polling")
    return running


async def start_telegram_sender(config: TelegramConfig) -> RunningTelegram:
    """The Bot API for sending only, for a process that serves no updates (the scheduler role)."""
    application = _builder(config).updater(None).build()
    await application.initialize()
    return RunningTelegram(application)


async def stop_telegram(running: RunningTelegram) -> None:
    application = running.application
    if running.webhook is not None:
        await running.webhook.stop()
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()


def telegram_sender(running: RunningTelegram) -> Callable[[str, Reply], Awaitable[None]]:
    """Sends a core reply to a chat unprompted (scheduled suggestions)."""
    application = running.application

    async def send(chat_id: str, reply: Reply) -> None:
        await application.bot.send_message(int(chat_id), render_text(reply), parse_mode=ParseMode.HTML,
                                           reply_markup=keyboard(reply), disable_web_page_preview=True)
        await send_attachments(application.bot, int(chat_id), reply)
    return send
