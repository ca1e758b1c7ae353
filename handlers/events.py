"""Events: follow, unfollow, menu clicks, and the ones that need no reply."""
from __future__ import annotations

import logging

from bot.core.replies import NO_REPLY, Reply, TextReply
from bot.core.router import Context
from bot.core.session import Session
from bot.followers.subscriptions import forget_follower as forget_subscriptions
from bot.knowledge.texts import Say

log = logging.getLogger(__name__)

SILENT = {"view", "location", "scan", "templatesendjobfinish", "masssendjobfinish",
          "view_miniprogram", "subscribe_msg_popup_event", "subscribe_msg_change_event",
          "subscribe_msg_sent_event", "publishjobfinish", "scancode_push", "scancode_waitmsg",
          "pic_sysphoto", "pic_photo_or_album", "pic_weixin", "location_select", "user_info_modified",
          "user_authorization_revoke"}

# Hooks run when a follower unfollows (subscriptions, pending pushes register here).
UNFOLLOW_HOOKS: list = [forget_subscriptions]


def handle(ctx: Context) -> Reply | None:
    """Answer the events that are not questions."""
    if ctx.message.type != "event":
        return None
    event = str(getattr(ctx.message, "event", "") or "").lower()
    if event in ("subscribe", "subscribe_scan"):
        return TextReply(ctx.knowledge.text(Say.welcome))
    if event == "unsubscribe":
        forget_follower(ctx)
        return NO_REPLY
    if event == "click":
        key = str(getattr(ctx.message, "key", "") or "")
        ctx.trace["menu_key"] = key
        say = ctx.knowledge.menu.keys.get(key)
        if say:
            ctx.text = say  # a click does what typing its text does: the rest of the chain answers it
            return None
        log.info("menu click with unknown key %r", key)
        return TextReply(ctx.knowledge.text(Say.menu_unknown))
    if event in SILENT:
        return NO_REPLY
    log.info("unhandled event %r", event)  # who: the hashed openid in the log context
    return NO_REPLY


def forget_follower(ctx: Context) -> None:
    """Clean up everything kept about a follower who unfollowed."""
    if ctx.store is None:
        return
    Session.clear(ctx.store, ctx.openid)
    ctx.session.data.clear()
    ctx.session.dirty = False
    for hook in UNFOLLOW_HOOKS:
        hook(ctx.store, ctx.openid)
