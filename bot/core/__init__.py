"""The conversation core: `BotCore.handle(Incoming) -> Reply`, whatever the platform. It knows recommender and
storage only through the small interfaces in `ports`; adapters and jobs call it, it calls none of them."""

from bot.core.dispatch import BotCore
from bot.core.ports import Services

__all__ = ["BotCore", "Services"]
