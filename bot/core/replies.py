"""What a handler answers: text, one news article, a hand-over to customer service, or nothing."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TextReply:
    """A text message back to the follower."""

    content: str


@dataclass(frozen=True)
class NewsReply:
    """One article card (WeChat shows one article in reply to a follower's message)."""

    title: str
    description: str
    url: str
    picurl: str = ""


@dataclass(frozen=True)
class TransferReply:
    """Hand the follower's message to WeChat's customer-service system (多客服), to one account when named."""

    kf_account: str = ""


@dataclass(frozen=True)
class NoReply:
    """Answer WeChat with `success`: the follower sees nothing."""


Reply = TextReply | NewsReply | TransferReply | NoReply
NO_REPLY = NoReply()
