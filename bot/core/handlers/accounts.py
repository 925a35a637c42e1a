"""The listener's accounts and data: Spotify (/connect, /save, /disconnect) and /forget."""

from __future__ import annotations

import logging

from bot.core import texts
from bot.core.messages import Incoming, Reply
from bot.core.playlists import PlaylistMaker
from bot.core.ports import AccountUnavailable
from bot.core.session import Session

log = logging.getLogger(__name__)


class AccountCommands:
    def __init__(self, maker: PlaylistMaker) -> None:
        self.maker = maker
        self.s = maker.s

    async def connect(self, msg: Incoming, session: Session, arg: str) -> Reply:
        accounts = self.s.accounts
        if accounts is None:
            return Reply(texts.NO_SPOTIFY)
        user_id, chat = session.user_id, f"{msg.platform}:{msg.chat_id}"
        name = await accounts.account_name(user_id)
        if name is None:
            return Reply(texts.CONNECT_LINK.format(link=await accounts.connect_link(user_id, chat)))
        try:  # connecting again re-reads what they have been playing since
            found = await accounts.import_taste(user_id)
        except AccountUnavailable:  # revoked, or sealed under a key this bot no longer has: start afresh
            await accounts.disconnect(user_id)
            return Reply(texts.CONNECT_AGAIN.format(link=await accounts.connect_link(user_id, chat)))
        except Exception:
            log.warning("re-reading the Spotify history of %s failed", user_id, exc_info=True)
            return Reply(texts.CONNECTED_UNREACHABLE.format(name=name))
        return Reply(texts.CONNECTED_REREAD.format(name=name, found=found))

    async def disconnect(self, msg: Incoming, session: Session, arg: str) -> Reply:
        if self.s.accounts is None or not await self.s.accounts.disconnect(session.user_id):
            return Reply(texts.NOT_CONNECTED)
        return Reply(texts.DISCONNECTED)

    async def save(self, msg: Incoming, session: Session, arg: str) -> Reply:
        tracks = self.maker.tracks(session.playlist)
        if not tracks:
            return Reply(texts.NO_PLAYLIST)
        if self.s.accounts is None:
            return Reply(texts.NO_SPOTIFY)
        if await self.s.accounts.account_name(session.user_id) is None:
            return Reply(texts.CONNECT_FIRST)
        title = texts.SAVE_TITLE.format(text=session.last_text or texts.SAVE_UNTITLED)[:100]
        await self.s.accounts.save(session.user_id, f"{msg.platform}:{msg.chat_id}", title, [t.uri for t in tracks])
        return Reply(texts.SAVING.format(n=len(tracks)))

    async def forget(self, msg: Incoming, session: Session, arg: str) -> Reply:
        """Erase the sender: their scheduled pushes, their Spotify link, then every record kept about them."""
        if arg.strip().lower() != "yes":
            return Reply(texts.FORGET_HOW)
        if self.s.subscriptions is not None:
            await self.s.subscriptions.unsubscribe(session.user_id)
        if self.s.accounts is not None:
            await self.s.accounts.disconnect(session.user_id)
        deleted = await self.s.listener_data.erase(session.user_id)
        log.info("erased a listener on request: %s", deleted)
        return Reply(texts.FORGOTTEN.format(n=sum(deleted.values())))
