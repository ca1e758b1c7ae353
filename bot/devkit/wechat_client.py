"""An independent WeChat-server client, written from PROTOCOL.md (not from wechatpy): it signs, encrypts and
builds requests the way WeChat's server does, and opens the replies the bot sends back.

sha1 signatures of the sorted parts; AES-256-CBC (key = b64decode(EncodingAESKey + "="), IV = key[:16]) with
`cryptography`; PKCS#7 padding to 32 bytes; payload = 16 random bytes | 4-byte big-endian length | xml | appid.
"""
from __future__ import annotations

import base64
import hashlib
import itertools
import os
import random
import re
import string
import struct
import time
from dataclasses import dataclass
from xml.etree import ElementTree

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32
_msg_ids = itertools.count(int(time.time() * 1000) * 1000 + random.randrange(1000))


class ProtocolError(AssertionError):
    """The bot's reply does not follow the protocol."""


def sha1_signature(*parts: str) -> str:
    """sha1 hex of the parts sorted as strings and joined."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def pkcs7_pad(data: bytes) -> bytes:
    """Pad to a multiple of 32 bytes with 1..32 copies of the pad length."""
    n = BLOCK - len(data) % BLOCK
    return data + bytes([n]) * n


def pkcs7_unpad(data: bytes) -> bytes:
    """Strictly remove PKCS#7 padding (block 32)."""
    if not data or len(data) % 16:
        raise ProtocolError("ciphertext is not a whole number of AES blocks")
    n = data[-1]
    if not 1 <= n <= BLOCK or data[-n:] != bytes([n]) * n:
        raise ProtocolError(f"bad PKCS#7 padding byte {n}")
    return data[:-n]


def cdata(text: str) -> str:
    """Wrap text in CDATA the way WeChat does, splitting any `]]>`."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def next_msg_id() -> int:
    """A fresh 64-bit-looking MsgId."""
    return next(_msg_ids)


@dataclass
class Request:
    """What WeChat's server would send: the query string and the body."""

    query: dict[str, str]
    body: bytes
    plaintext: str  # the message XML before any encryption


class WeChatServer:
    """Plays WeChat's server for one official account."""

    def __init__(self, token: str, app_id: str, aes_key: str | None = None, *, account: str = "gh_clairbj") -> None:
        self.token = token
        self.app_id = app_id
        self.account = account
        self.key = base64.b64decode(aes_key + "=") if aes_key else None
        if self.key is not None and len(self.key) != 32:
            raise ValueError("EncodingAESKey must decode to 32 bytes")

    # --- crypto -------------------------------------------------------------------------------------
    def _cipher(self) -> Cipher:
        if self.key is None:
            raise ValueError("no EncodingAESKey configured")
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def encrypt(self, xml: str, *, app_id: str | None = None, random16: bytes | None = None) -> str:
        """The base64 <Encrypt> text for `xml`."""
        body = xml.encode("utf-8")
        prefix = random16 if random16 is not None else os.urandom(16)
        payload = prefix + struct.pack(">I", len(body)) + body + (app_id or self.app_id).encode()
        enc = self._cipher().encryptor()
        return base64.b64encode(enc.update(pkcs7_pad(payload)) + enc.finalize()).decode("ascii")

    def decrypt(self, encrypted: str) -> tuple[str, str]:
        """(xml, appid) from a base64 <Encrypt> text."""
        dec = self._cipher().decryptor()
        raw = base64.b64decode(encrypted, validate=True)
        payload = pkcs7_unpad(dec.update(raw) + dec.finalize())
        if len(payload) < 20:
            raise ProtocolError("payload shorter than random16 + length")
        (length,) = struct.unpack(">I", payload[16:20])
        xml = payload[20:20 + length]
        if len(xml) != length:
            raise ProtocolError("length field longer than the payload")
        return xml.decode("utf-8"), payload[20 + length:].decode("utf-8")

    # --- requests -----------------------------------------------------------------------------------
    def query(self, *, timestamp: int | str | None = None, nonce: str | None = None,
              openid: str | None = None) -> dict[str, str]:
        """signature/timestamp/nonce(/openid) as on every request."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        nonce = nonce or "".join(random.choices(string.digits, k=10))
        q = {"signature": sha1_signature(self.token, ts, nonce), "timestamp": ts, "nonce": nonce}
        if openid:
            q["openid"] = openid
        return q

    def verify_query(self, echostr: str, **kw: object) -> dict[str, str]:
        """The GET URL-check query."""
        return {**self.query(**kw), "echostr": echostr}  # type: ignore[arg-type]

    def plaintext(self, xml: str, **kw: object) -> Request:
        """A plaintext-mode request."""
        fields = _fields(xml)
        return Request(self.query(openid=fields.get("FromUserName"), **kw), xml.encode("utf-8"), xml)  # type: ignore[arg-type]

    def compatible(self, xml: str, **kw: object) -> Request:
        """Compatible mode: the plain fields AND <Encrypt>, encrypt_type=aes, msg_signature."""
        encrypted = self.encrypt(xml)
        body = xml[: xml.rindex("</xml>")] + f"<Encrypt>{cdata(encrypted)}</Encrypt></xml>"
        return self._sealed(xml, body, encrypted, **kw)

    def safe(self, xml: str, *, app_id: str | None = None, **kw: object) -> Request:
        """Safe mode: only <ToUserName> and <Encrypt>."""
        encrypted = self.encrypt(xml, app_id=app_id)
        body = f"<xml><ToUserName>{cdata(self.account)}</ToUserName><Encrypt>{cdata(encrypted)}</Encrypt></xml>"
        return self._sealed(xml, body, encrypted, **kw)

    def safe_raw(self, encrypted: str, **kw: object) -> Request:
        """A safe-mode request around an arbitrary <Encrypt> text (correctly signed)."""
        body = f"<xml><ToUserName>{cdata(self.account)}</ToUserName><Encrypt>{cdata(encrypted)}</Encrypt></xml>"
        return self._sealed("", body, encrypted, **kw)

    def _sealed(self, xml: str, body: str, encrypted: str, **kw: object) -> Request:
        q = self.query(openid=_fields(xml).get("FromUserName") if xml else None, **kw)  # type: ignore[arg-type]
        q["encrypt_type"] = "aes"
        q["msg_signature"] = sha1_signature(self.token, q["timestamp"], q["nonce"], encrypted)
        return Request(q, body.encode("utf-8"), xml)

    # --- replies ------------------------------------------------------------------------------------
    def open_reply(self, body: bytes | str, request: Request) -> str:
        """The plaintext reply XML of an encrypted reply, after checking its MsgSignature."""
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        root = ElementTree.fromstring(text)
        if root.tag != "xml":
            raise ProtocolError("encrypted reply root is not <xml>")
        encrypted = root.findtext("Encrypt") or ""
        ts = root.findtext("TimeStamp") or ""
        nonce = root.findtext("Nonce") or ""
        given = root.findtext("MsgSignature") or ""
        if not (encrypted and ts and nonce and given):
            raise ProtocolError(f"encrypted reply lacks Encrypt/MsgSignature/TimeStamp/Nonce: {text[:200]}")
        if sha1_signature(self.token, ts, nonce, encrypted) != given:
            raise ProtocolError("MsgSignature of the reply does not verify")
        xml, app_id = self.decrypt(encrypted)
        if app_id != self.app_id:
            raise ProtocolError(f"reply encrypted for appid {app_id!r}")
        return xml

    # --- message builders ---------------------------------------------------------------------------
    def message(self, kind: str, inner: str, *, openid: str = "o_follower_1", msg_id: int | None = None,
                create_time: int | None = None) -> str:
        """A message XML of MsgType `kind` with the given inner fields."""
        msg_id = next_msg_id() if msg_id is None else msg_id
        return (f"<xml><ToUserName>{cdata(self.account)}</ToUserName><FromUserName>{cdata(openid)}</FromUserName>"
                f"<CreateTime>{create_time or int(time.time())}</CreateTime><MsgType>{cdata(kind)}</MsgType>"
                f"{inner}<MsgId>{msg_id}</MsgId></xml>")

    def text(self, content: str, **kw: object) -> str:
        """A text message."""
        return self.message("text", f"<Content>{cdata(content)}</Content>", **kw)  # type: ignore[arg-type]

    def voice(self, recognition: str | None, **kw: object) -> str:
        """A voice message, with WeChat's transcription when `recognition` is given."""
        inner = f"<MediaId>{cdata('media_voice_1')}</MediaId><Format>{cdata('amr')}</Format>"
        if recognition is not None:
            inner += f"<Recognition>{cdata(recognition)}</Recognition>"
        return self.message("voice", inner, **kw)  # type: ignore[arg-type]

    def event(self, event: str, *, key: str | None = None, openid: str = "o_follower_1",
              create_time: int | None = None, extra: str = "") -> str:
        """An event XML (events carry no MsgId)."""
        inner = f"<Event>{cdata(event)}</Event>"
        if key is not None:
            inner += f"<EventKey>{cdata(key)}</EventKey>"
        return (f"<xml><ToUserName>{cdata(self.account)}</ToUserName><FromUserName>{cdata(openid)}</FromUserName>"
                f"<CreateTime>{create_time or int(time.time())}</CreateTime><MsgType>{cdata('event')}</MsgType>"
                f"{inner}{extra}</xml>")


def _fields(xml: str) -> dict[str, str]:
    """The FromUserName of a request XML, found without parsing (the XML may be hostile on purpose)."""
    found = re.search(r"<FromUserName>(?:<!\[CDATA\[)?([^<\]]*)", xml or "")
    return {"FromUserName": found.group(1)} if found else {}


def reply_fields(xml: str) -> dict[str, str]:
    """Top-level fields of a plaintext passive reply (raises on ill-formed XML)."""
    root = ElementTree.fromstring(xml)
    if root.tag != "xml":
        raise ProtocolError("reply root is not <xml>")
    return {child.tag: child.text or "" for child in root}


def reply_content(xml: str) -> str:
    """The text a follower sees in a text reply."""
    fields = reply_fields(xml)
    if fields.get("MsgType") != "text":
        raise ProtocolError(f"not a text reply: {xml[:200]}")
    return fields.get("Content", "")


def post(client: object, request: Request) -> object:
    """POST a request to /wechat through a Flask test client; return the response."""
    return client.post("/wechat", query_string=request.query, data=request.body,  # type: ignore[attr-defined]
                       content_type="text/xml")


def exchange(client: object, server: WeChatServer, request: Request) -> str:
    """POST, expect 200, and return the plaintext reply (decrypted and verified when the request was encrypted)."""
    resp = post(client, request)
    if resp.status_code != 200:  # type: ignore[attr-defined]
        raise ProtocolError(f"HTTP {resp.status_code}: {resp.get_data(as_text=True)[:200]}")  # type: ignore[attr-defined]
    body = resp.get_data(as_text=True)  # type: ignore[attr-defined]
    if "encrypt_type" in request.query and body != "success":
        return server.open_reply(body, request)
    return body
