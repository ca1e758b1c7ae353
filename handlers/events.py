"""Events: follow, unfollow, menu clicks, and the ones that need no reply."""
from __future__ import annotations

import logging

from bot.core.effects import PASS, ClearSession, Outcome, answer
from bot.core.replies import NO_REPLY, TextReply
from bot.core.router import Context
from bot.followers.effects import ForgetFollower
from bot.knowledge.texts import Say

log = logging.getLogger(__name__)

SILENT = {"view", "location", "scan", "templatesendjobfinish", "masssendjobfinish",
          "view_miniprogram", "subscribe_msg_popup_event", "subscribe_msg_change_event",
          "subscribe_msg_sent_event", "publishjobfinish", "scancode_push", "scancode_waitmsg",
          "pic_sysphoto", "pic_photo_or_album", "pic_weixin", "location_select", "user_info_modified",
          "user_authorization_revoke"}


def handle(ctx: Context) -> Outcome:
    """Answer the events that are not questions; a known menu click goes on with its button's text."""
    if ctx.message.type != "event":
        return PASS
    event = str(getattr(ctx.message, "event", "") or "").lower()
    if event in ("subscribe", "subscribe_scan"):
        return answer(TextReply(ctx.knowledge.text(Say.welcome)))
    if event == "unsubscribe":
        # Everything kept about the follower goes: the session here, the rest by the appliers bot.app wires.
        return answer(NO_REPLY, ClearSession(), ForgetFollower())
    if event == "click":
        if ctx.text is not None:
            return PASS  # a click does what typing its text does: the rest of the chain answers it
        log.info("menu click with unknown key %r", ctx.evidence.menu_key)
        return answer(TextReply(ctx.knowledge.text(Say.menu_unknown)))
    if event in SILENT:
        return answer(NO_REPLY)
    log.info("unhandled event %r", event)  # who: the hashed openid in the log context
    return answer(NO_REPLY)
