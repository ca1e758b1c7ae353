"""A terminal conversation that takes the same path as WeChat: signed XML POSTed through the Flask app."""
from __future__ import annotations

import random
import string
import time
from xml.etree import ElementTree

import requests
from flask import Flask

from bot.wechat import escape_cdata, sign


class ChatError(Exception):
    """The server could not be reached or refused us; the message says what to check."""


class WebhookClient:
    """Speaks to our own webhook the way WeChat's server does (plaintext mode): in process, or over HTTP."""

    def __init__(self, target: Flask | str, *, token: str, openid: str = "o_chat_terminal",
                 account: str = "gh_clairbj", timeout: float = 10.0) -> None:
        self.url = webhook_url(target) if isinstance(target, str) else None
        self.client = target.test_client() if not isinstance(target, str) else None
        self.http = requests.Session() if self.url else None
        self.timeout = timeout
        self.token = token
        self.openid = openid
        self.account = account
        self._msg_id = int(time.time() * 1000)

    def _query(self) -> dict[str, str]:
        timestamp = str(int(time.time()))
        nonce = "".join(random.choices(string.digits, k=10))
        return {"signature": sign(self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
                "openid": self.openid}

    def _send(self, body: bytes) -> tuple[int, str]:
        """POST one signed body; (HTTP status, response text)."""
        if self.http is None:
            resp = self.client.post("/wechat", query_string=self._query(), data=body, content_type="text/xml")
            return resp.status_code, resp.get_data(as_text=True)
        try:
            answer = self.http.post(self.url, params=self._query(), data=body, timeout=self.timeout,
                                    headers={"Content-Type": "text/xml"})
        except requests.RequestException as exc:
            raise ChatError(f"cannot reach {self.url} ({type(exc).__name__}): is the bot running there?") from exc
        answer.encoding = answer.encoding or "utf-8"
        return answer.status_code, answer.text

    def post(self, inner: str) -> str:
        """POST one message body (the XML between <xml> tags); return what the follower would see."""
        xml = (f"<xml><ToUserName><![CDATA[{self.account}]]></ToUserName>"
               f"<FromUserName><![CDATA[{self.openid}]]></FromUserName>"
               f"<CreateTime>{int(time.time())}</CreateTime>{inner}</xml>")
        status, text = self._send(xml.encode())
        if status == 403:
            raise ChatError("the bot refused the signature: WECHAT_TOKEN here must be the server's token")
        if status != 200:
            return f"[HTTP {status}] {text}"
        return render_for_terminal(text)

    def say(self, text: str) -> str:
        self._msg_id += 1
        return self.post(f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{escape_cdata(text)}]]></Content>"
                         f"<MsgId>{self._msg_id}</MsgId>")

    def event(self, event: str, key: str = "") -> str:
        return self.post(f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>"
                         f"<EventKey><![CDATA[{key}]]></EventKey>")


def webhook_url(base: str) -> str:
    """http://host:port → http://host:port/wechat (a URL already ending in /wechat is kept)."""
    base = base.strip().rstrip("/")
    return base if base.endswith("/wechat") else f"{base}/wechat"


def render_for_terminal(body: str) -> str:
    """Show a passive reply as a follower would see it."""
    if body.strip() in ("", "success"):
        return "(no reply)"
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return f"[not a WeChat reply] {body[:200]}"
    kind = root.findtext("MsgType")
    if kind == "text":
        return root.findtext("Content") or ""
    if kind == "news":
        item = root.find("Articles/item")
        if item is not None:
            return (f"[图文] {item.findtext('Title')}\n{item.findtext('Description')}\n"
                    f"{item.findtext('Url')}")
    return body
