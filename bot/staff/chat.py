"""A terminal conversation that takes the same path as WeChat: signed XML POSTed through the Flask app."""
from __future__ import annotations

import random
import string
import time
from xml.etree import ElementTree

import requests
from flask import Flask
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import WeChatException

from bot.wechat.protocol import escape_cdata, sign


class ChatError(Exception):
    """The server could not be reached or refused us; the message says what to check."""


class WebhookClient:
    """Speaks to our own webhook the way WeChat's server does: in process, or over HTTP."""

    def __init__(self, target: Flask | str, *, token: str, openid: str = "o_chat_terminal",
                 account: str = "gh_clairbj", timeout: float = 10.0, aes_key: str | None = None,
                 app_id: str = "") -> None:
        # With an EncodingAESKey, speak safe mode (encrypted both ways), which a bot accepts in every mode.
        self.crypto = WeChatCrypto(token, aes_key, app_id) if aes_key else None
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

    def _send(self, query: dict[str, str], body: bytes) -> tuple[int, str]:
        """POST one signed body; (HTTP status, response text)."""
        if self.http is None:
            resp = self.client.post("/wechat", query_string=query, data=body, content_type="text/xml")
            return resp.status_code, resp.get_data(as_text=True)
        try:
            answer = self.http.post(self.url, params=query, data=body, timeout=self.timeout,
                                    headers={"Content-Type": "text/xml"})
        except requests.RequestException as exc:
            raise ChatError(f"cannot reach {self.url} ({type(exc).__name__}): is the bot running there?") from exc
        answer.encoding = answer.encoding or "utf-8"
        return answer.status_code, answer.text

    def _exchange(self, xml: str) -> tuple[int, str]:
        """Sign (and in safe mode encrypt) one message, send it; the status and the plaintext reply."""
        query = self._query()
        if self.crypto is None:
            return self._send(query, xml.encode())
        sealed = ElementTree.fromstring(self.crypto.encrypt_message(xml, query["nonce"], query["timestamp"]))
        query.update(encrypt_type="aes", msg_signature=sealed.findtext("MsgSignature") or "")
        body = (f"<xml><ToUserName><![CDATA[{self.account}]]></ToUserName>"
                f"<Encrypt><![CDATA[{sealed.findtext('Encrypt')}]]></Encrypt></xml>")
        status, text = self._send(query, body.encode())
        if status == 400:
            raise ChatError("the bot could not open our encrypted message: WECHAT_APP_ID and WECHAT_ENCODING_AES_KEY "
                            "here must be the server's")
        if status != 200 or text.strip() in ("", "success"):
            return status, text
        try:
            reply = ElementTree.fromstring(text)
            return status, self.crypto.decrypt_message(text, reply.findtext("MsgSignature"),
                                                       reply.findtext("TimeStamp"), reply.findtext("Nonce"))
        except (ElementTree.ParseError, WeChatException, ValueError) as exc:
            raise ChatError("the bot's encrypted reply does not open: WECHAT_APP_ID and WECHAT_ENCODING_AES_KEY "
                            "here must be the server's") from exc

    def post(self, inner: str) -> str:
        """POST one message body (the XML between <xml> tags); return what the follower would see."""
        xml = (f"<xml><ToUserName><![CDATA[{self.account}]]></ToUserName>"
               f"<FromUserName><![CDATA[{self.openid}]]></FromUserName>"
               f"<CreateTime>{int(time.time())}</CreateTime>{inner}</xml>")
        status, text = self._exchange(xml)
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
