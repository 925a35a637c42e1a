"""What flows in and out of the bot core: plain data, no platform types."""

from __future__ import annotations

from dataclasses import dataclass, field

from recommender.types import Recommendation


@dataclass(frozen=True)
class Incoming:
    platform: str  # console | telegram | discord | cli
    user_id: str  # the platform's user id
    chat_id: str  # the conversation: a DM, a channel
    text: str
    display_name: str = ""


@dataclass(frozen=True)
class TagChip:
    tag: str
    on: bool = True
    category: str = ""


@dataclass(frozen=True)
class Action:
    """A button a transport may render: `command` is what the core runs when it is pressed."""

    label: str
    command: str
    kind: str = ""  # more | tag | remove | feedback: lets a transport lay buttons out by kind


@dataclass(frozen=True)
class Attachment:
    """A file sent with a reply (an exported playlist)."""

    filename: str
    content: bytes
    mime: str = "application/octet-stream"


@dataclass
class Reply:
    text: str
    playlist: list[Recommendation] = field(default_factory=list)
    tags: list[TagChip] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    quiet: bool = False  # platforms that need no answer send none (a flood's messages past the first refusal)
    private: bool = False  # for the listener's eyes only: never posted where others read (a Discord channel)
