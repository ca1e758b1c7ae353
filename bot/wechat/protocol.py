"""The WeChat protocol edge: signatures, replay window, safe XML, crypto, rendering.

wechatpy does the crypto, message classes and reply templates; this module covers its gaps: constant-time
signature checks, a timestamp window, hostile XML refused before any parser expands it, each document parsed
once (by the safe parser: `bot.wechat.messages` builds the wechatpy message from that tree), `]]>` escaped in
CDATA. (Long text is paged before it gets here: `bot.core.paging`.)
"""
from __future__ import annotations

import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.messages import BaseMessage
from wechatpy.replies import ArticlesReply, TransferCustomerServiceReply
from wechatpy.replies import TextReply as WxTextReply

from bot.core.replies import NewsReply, NoReply, Reply, TextReply, TransferReply
from bot.wechat.messages import message_from_tree

_DECL = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST)", re.IGNORECASE)


class Forbidden(Exception):
    """Signature missing, wrong, or too old: answer 403."""


class BadRequest(Exception):
    """Body not acceptable XML: answer 400."""


def sign(*parts: str) -> str:
    """WeChat's signature: sha1 of the sorted parts joined."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def check_signature(token: str, args: dict[str, str], *, window: int, now: float | None = None,
                    extra: str | None = None, field: str = "signature") -> None:
    """Raise Forbidden unless `args[field]` signs token+timestamp+nonce(+extra) and the timestamp is fresh."""
    given = args.get(field) or ""
    timestamp = args.get("timestamp") or ""
    nonce = args.get("nonce") or ""
    if not given or not timestamp.isdigit() or not nonce:
        raise Forbidden("missing signature, timestamp or nonce")
    parts = [token, timestamp, nonce] + ([extra] if extra is not None else [])
    if not hmac.compare_digest(sign(*parts).encode(), given.lower().encode()):
        raise Forbidden(f"bad {field}")
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > window:
        raise Forbidden("timestamp outside the replay window")


def parse_xml_safely(body: bytes) -> dict[str, str]:
    """Check `body` is UTF-8, declaration-free XML with an <xml> root; return its top-level fields."""
    return fields_of(parse_xml_tree(body))


def parse_xml_tree(body: bytes) -> Element:
    """The <xml> root of `body`, which must be UTF-8 and free of DTD and entity declarations (else BadRequest)."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest("body is not UTF-8") from exc
    if _DECL.search(body):
        raise BadRequest("DTD or entity declarations are not accepted")
    try:
        root = SafeET.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise BadRequest(f"malformed XML: {exc}") from exc
    if root.tag != "xml":
        raise BadRequest("root element is not <xml>")
    return root


def fields_of(root: Element) -> dict[str, str]:
    """The top-level fields of a parsed message, as sent (text not stripped)."""
    return {child.tag: (child.text or "") for child in root}


@dataclass(frozen=True)
class Inbound:
    """A verified, decrypted, parsed request."""

    message: BaseMessage
    xml: str
    encrypted: bool
    fields: dict[str, str]


class Edge:
    """Verify, decrypt and parse inbound XML; render and encrypt replies."""

    def __init__(self, *, token: str, app_id: str, aes_key: str | None, replay_window: int,
                 mode: str = "auto") -> None:
        self.token = token
        self.app_id = app_id
        self.replay_window = replay_window
        self.mode = mode  # WECHAT_MESSAGE_MODE: which kinds of request the account can really send
        self.crypto = WeChatCrypto(token, aes_key, app_id) if aes_key else None

    def verify_url(self, args: dict[str, str]) -> str:
        """GET check: return echostr when the signature holds."""
        check_signature(self.token, args, window=self.replay_window)
        return args.get("echostr", "")

    def inbound(self, args: dict[str, str], body: bytes) -> Inbound:
        """Verify and open a POST body, in plaintext, compatible or safe mode."""
        check_signature(self.token, args, window=self.replay_window)
        root = parse_xml_tree(body)
        fields = fields_of(root)
        encrypted = args.get("encrypt_type", "").lower() == "aes" or ("Encrypt" in fields and "MsgType" not in fields)
        # In safe mode WeChat never sends plaintext: one is forged from a captured URL (its signature does not
        # cover the body). In plaintext mode it never sends an encrypted one.
        if self.mode == "safe" and not encrypted:
            raise Forbidden("plaintext message refused: WECHAT_MESSAGE_MODE is safe")
        if self.mode == "plaintext" and encrypted:
            raise Forbidden("encrypted message refused: WECHAT_MESSAGE_MODE is plaintext")
        if encrypted:
            if self.crypto is None:
                raise BadRequest("encrypted message but WECHAT_ENCODING_AES_KEY is not configured")
            envelope = fields.get("Encrypt")
            if not envelope:
                raise BadRequest("encrypted mode without <Encrypt>")
            check_signature(self.token, args, window=self.replay_window, extra=envelope, field="msg_signature")
            try:  # given the envelope's fields, wechatpy does not parse the body again
                xml = self.crypto.decrypt_message({"Encrypt": envelope.strip()}, args["msg_signature"],
                                                  args["timestamp"], args["nonce"])
            except (InvalidSignatureException, InvalidAppIdException) as exc:
                raise Forbidden(f"decryption refused: {type(exc).__name__}") from exc
            except Exception as exc:  # bad base64, bad padding, short payload: all the sender's fault
                raise BadRequest(f"cannot decrypt: {type(exc).__name__}") from exc
            root = parse_xml_tree(xml.encode("utf-8"))
            fields = fields_of(root)
        else:
            xml = body.decode("utf-8")
        if not fields.get("MsgType") or not fields.get("FromUserName"):
            raise BadRequest("MsgType or FromUserName missing")
        if args.get("openid") and args["openid"] != fields["FromUserName"]:
            raise Forbidden("openid in the URL is not the message's FromUserName")
        try:
            message = message_from_tree(root)
        except Exception as exc:
            raise BadRequest(f"unparseable message: {type(exc).__name__}") from exc
        return Inbound(message=message, xml=xml, encrypted=encrypted, fields=fields)

    def render(self, reply: Reply, message: BaseMessage) -> str:
        """The passive-reply XML for `reply`, or `success` for no reply."""
        if isinstance(reply, NoReply):
            return "success"
        if isinstance(reply, TextReply):
            wx = WxTextReply(message=message, content=escape_cdata(reply.content))
            return wx.render()
        if isinstance(reply, NewsReply):
            wx = ArticlesReply(message=message)
            wx.add_article({
                "title": escape_cdata(reply.title),
                "description": escape_cdata(reply.description),
                "image": escape_cdata(reply.picurl),
                "url": escape_cdata(reply.url),
            })
            return wx.render()
        if isinstance(reply, TransferReply):
            xml = TransferCustomerServiceReply(message=message).render()
            if not reply.kf_account:
                return xml
            account = f"<TransInfo><KfAccount><![CDATA[{escape_cdata(reply.kf_account)}]]></KfAccount></TransInfo>"
            return xml.replace("</xml>", f"{account}\n</xml>")
        raise TypeError(f"not a reply: {reply!r}")

    def seal(self, xml: str, args: dict[str, str], encrypted: bool) -> str:
        """Encrypt a rendered reply when the request was encrypted."""
        if not encrypted or xml == "success" or self.crypto is None:
            return xml
        return self.crypto.encrypt_message(xml, args.get("nonce") or "", args.get("timestamp") or None)


def escape_cdata(text: str) -> str:
    """Make `text` safe inside <![CDATA[...]]> by splitting any `]]>`."""
    return text.replace("]]>", "]]]]><![CDATA[>")
