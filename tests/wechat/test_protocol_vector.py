"""Tencent's known-answer vector (PROTOCOL.md) through the independent client and through the app."""
from __future__ import annotations

import pytest

from bot.devkit.wechat_client import ProtocolError, WeChatServer, reply_fields, sha1_signature
from bot.infra.config import Config

TOKEN = "spamtest"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wx2c2769f8efd9abc2"
TIMESTAMP = "1409735669"
NONCE = "1320562132"
MSG_SIGNATURE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
SIGNATURE = "16120ec1b8dbb870f510d87ce6bc2463eae6ca1a"  # sha1 of token, timestamp, nonce (the URL signature)
ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2L"
    "dJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6u"
    "x5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnif"
    "JpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQL"
    "Czpu9GhglF2PE="
)
# Tencent's sample POST body (compatible mode: plain fields and <Encrypt>).
BODY = (
    "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>"
    "<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName><CreateTime>1409735668</CreateTime>"
    "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[abcdteT]]></Content><MsgId>6054768590064713728</MsgId>"
    f"<Encrypt><![CDATA[{ENCRYPT}]]></Encrypt></xml>"
)
QUERY = {"signature": SIGNATURE, "timestamp": TIMESTAMP, "nonce": NONCE, "encrypt_type": "aes",
         "msg_signature": MSG_SIGNATURE, "openid": "oyORnuP8q7ou2gfYjqLzSIWZf0rs"}


@pytest.fixture
def server() -> WeChatServer:
    """The vector's own account (its token and gh_ id), in place of the test account of conftest's `server`."""
    return WeChatServer(TOKEN, APP_ID, AES_KEY, account="gh_10f6c3c3ac5a")


def test_signatures_match_the_vector():
    assert sha1_signature(TOKEN, TIMESTAMP, NONCE) == SIGNATURE
    assert sha1_signature(TOKEN, TIMESTAMP, NONCE, ENCRYPT) == MSG_SIGNATURE
    assert sha1_signature(TOKEN, TIMESTAMP, NONCE, ENCRYPT[:-2] + "x=") != MSG_SIGNATURE


def test_client_decrypts_the_vector(server: WeChatServer):
    xml, app_id = server.decrypt(ENCRYPT)
    assert app_id == APP_ID
    fields = reply_fields(xml)
    assert fields["Content"] == "abcdteT"
    assert fields["MsgId"] == "6054768590064713728"
    assert fields["FromUserName"] == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"


def test_client_encryption_round_trips_with_a_fixed_prefix(server: WeChatServer):
    xml, _ = server.decrypt(ENCRYPT)
    again = server.encrypt(xml, random16=b"0123456789abcdef")
    assert server.decrypt(again) == (xml, APP_ID)
    assert len(again) % 4 == 0 and again != ENCRYPT
    with pytest.raises(ProtocolError):
        WeChatServer(TOKEN, APP_ID, "B" * 43).decrypt(ENCRYPT)  # another key: the padding cannot be right


def vector_app(tmp_path, knowledge_dir, store, *, window: int):
    from webhooks import create_app

    config = Config(token=TOKEN, app_id=APP_ID, aes_key=AES_KEY, data_dir=tmp_path / "var",
                    knowledge_dir=knowledge_dir, key_prefix="test:", replay_window=window,
                    api_base_url="http://127.0.0.1:9")
    return create_app(config, store=store)


def test_app_decrypts_the_vector_and_answers_encrypted(tmp_path, knowledge_dir, store, server: WeChatServer):
    app = vector_app(tmp_path, knowledge_dir, store, window=20 * 365 * 86400)  # the vector is from 2014
    inbound = app.extensions["clairbot.edge"].inbound(dict(QUERY), BODY.encode())
    assert inbound.encrypted
    assert inbound.message.content == "abcdteT"
    assert inbound.message.id == 6054768590064713728

    resp = app.test_client().post("/wechat", query_string=QUERY, data=BODY.encode(), content_type="text/xml")
    assert resp.status_code == 200
    assert resp.mimetype in ("application/xml", "text/xml")
    body = resp.get_data(as_text=True)
    root = reply_fields(body)
    assert set(root) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    assert root["Nonce"] == NONCE
    assert sha1_signature(TOKEN, root["TimeStamp"], root["Nonce"], root["Encrypt"]) == root["MsgSignature"]
    xml, app_id = server.decrypt(root["Encrypt"])
    assert app_id == APP_ID
    reply = reply_fields(xml)
    assert reply["ToUserName"] == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
    assert reply["FromUserName"] == "gh_10f6c3c3ac5a"
    assert reply["MsgType"] == "text" and reply["Content"].strip()


def test_app_refuses_the_vector_outside_the_replay_window(tmp_path, knowledge_dir, store):
    app = vector_app(tmp_path, knowledge_dir, store, window=300)
    resp = app.test_client().post("/wechat", query_string=QUERY, data=BODY.encode(), content_type="text/xml")
    assert resp.status_code == 403


def test_app_refuses_the_vector_with_a_tampered_msg_signature(tmp_path, knowledge_dir, store):
    app = vector_app(tmp_path, knowledge_dir, store, window=20 * 365 * 86400)
    query = {**QUERY, "msg_signature": "0" + MSG_SIGNATURE[1:]}
    resp = app.test_client().post("/wechat", query_string=query, data=BODY.encode(), content_type="text/xml")
    assert resp.status_code == 403
