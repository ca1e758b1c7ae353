"""A terminal conversation that takes the same path as WeChat: signed XML POSTed through the Flask app."""
from __future__ import annotations

import random
import string
import time
from xml.etree import ElementTree

from flask import Flask

from bot.wechat import escape_cdata, sign


class WebhookClient:
    """Speaks to our own webhook the way WeChat's server does (plaintext mode)."""

    def __init__(self, app: Flask, *, token: str, openid: str = "o_chat_terminal", account: str = "gh_clairbj") -> None:
        self.client = app.test_client()
        self.token = token
        self.openid = openid
        self.account = account
        self._msg_id = int(time.time() * 1000)

    def _query(self) -> dict[str, str]:
        timestamp = str(int(time.time()))
        nonce = "".join(random.choices(string.digits, k=10))
        return {"signature": sign(self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
                "openid": self.openid}

    def post(self, inner: str) -> str:
        """POST one message body (the XML between <xml> tags); return what the follower would see."""
        xml = (f"<xml><ToUserName><![CDATA[{self.account}]]></ToUserName>"
               f"<FromUserName><![CDATA[{self.openid}]]></FromUserName>"
               f"<CreateTime>{int(time.time())}</CreateTime>{inner}</xml>")
        resp = self.client.post("/wechat", query_string=self._query(), data=xml.encode(),
                                content_type="text/xml")
        if resp.status_code != 200:
            return f"[HTTP {resp.status_code}] {resp.get_data(as_text=True)}"
        return render_for_terminal(resp.get_data(as_text=True))

    def say(self, text: str) -> str:
        self._msg_id += 1
        return self.post(f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{escape_cdata(text)}]]></Content>"
                         f"<MsgId>{self._msg_id}</MsgId>")

    def event(self, event: str, key: str = "") -> str:
        return self.post(f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>"
                         f"<EventKey><![CDATA[{key}]]></EventKey>")


def render_for_terminal(body: str) -> str:
    """Show a passive reply as a follower would see it."""
    if body.strip() in ("", "success"):
        return "(no reply)"
    root = ElementTree.fromstring(body)
    kind = root.findtext("MsgType")
    if kind == "text":
        return root.findtext("Content") or ""
    if kind == "news":
        item = root.find("Articles/item")
        if item is not None:
            return (f"[图文] {item.findtext('Title')}\n{item.findtext('Description')}\n"
                    f"{item.findtext('Url')}")
    return body
