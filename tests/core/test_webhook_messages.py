"""Every message and event type gets a 200 and something sensible, through signed XML."""
from __future__ import annotations

import dataclasses

import pytest

from bot.core.effects import PASS, answer
from bot.core.session import Session
from bot.devkit.wechat_client import cdata, exchange, reply_content
from bot.followers.effects import ForgetFollower
from bot.knowledge.texts import Say


@pytest.fixture
def say(app, server):
    """Send a message XML in plaintext; return the reply body (checked 200)."""
    client = app.test_client()
    return lambda xml: exchange(client, server, server.plaintext(xml))


def text_of(engine, key: str) -> str:
    return engine.knowledge.current.text(getattr(Say, key))


def help_intro(engine) -> str:
    return text_of(engine, "help").split("\n")[0]


def test_text_help(say, server, engine):
    reply = reply_content(say(server.text("帮助")))
    assert reply.startswith(help_intro(engine))
    assert "msgmenuid=1\">1. 事务所简介" in reply


def test_empty_text_asks_for_a_question(say, server, engine):
    assert reply_content(say(server.text(""))) == text_of(engine, "empty_text")


@pytest.mark.parametrize("question", ["帮助", "你们的电话是多少", "zq 这是一个没有答案的问题 8812"])
def test_voice_with_recognition_is_handled_like_the_same_text(say, server, question):
    typed = reply_content(say(server.text(question, openid="o_typed")))
    spoken = reply_content(say(server.voice(question, openid="o_spoken")))
    assert spoken == typed
    assert spoken.strip()


@pytest.mark.parametrize("recognition", [None, "", "   "])
def test_voice_without_recognition_asks_to_type(say, server, engine, recognition):
    assert reply_content(say(server.voice(recognition))) == text_of(engine, "voice_unrecognized")


@pytest.mark.parametrize(("kind", "inner", "text_key"), [
    ("image", f"<PicUrl>{cdata('http://mmbiz.qpic.cn/x.jpg')}</PicUrl><MediaId>{cdata('m1')}</MediaId>", "media"),
    ("video", f"<MediaId>{cdata('m2')}</MediaId><ThumbMediaId>{cdata('t2')}</ThumbMediaId>", "media"),
    ("shortvideo", f"<MediaId>{cdata('m3')}</MediaId><ThumbMediaId>{cdata('t3')}</ThumbMediaId>", "media"),
    ("link", f"<Title>{cdata('标题')}</Title><Description>{cdata('d')}</Description><Url>{cdata('http://x.cn')}</Url>",
     "link"),
    ("location", "<Location_X>39.91</Location_X><Location_Y>116.44</Location_Y><Scale>15</Scale>"
                 f"<Label>{cdata('北京市朝阳区')}</Label>", "location"),
])
def test_other_message_kinds_get_a_polite_reply(say, server, engine, kind, inner, text_key):
    assert reply_content(say(server.message(kind, inner))) == text_of(engine, text_key)


@pytest.mark.parametrize("key", [None, "", "qrscene_123", "qrscene_office_poster"])
def test_subscribe_gets_the_welcome(say, server, engine, key):
    assert reply_content(say(server.event("subscribe", key=key))) == text_of(engine, "welcome")


def test_unsubscribe_says_nothing_and_forgets_the_follower(say, server, store, engine, monkeypatch):
    seen: list[str] = []
    appliers = dict(engine.appliers)  # what bot.app wires, plus one that records whom it forgets
    appliers[ForgetFollower] = (*appliers[ForgetFollower], lambda _effect, target, _pipe: seen.append(target.openid))
    monkeypatch.setattr(engine, "appliers", appliers)
    session = Session("o_leaving")
    session.set("more", ["第二页"])
    session.save(store)
    assert store.redis.exists(store.keys.session("o_leaving"))
    assert say(server.event("unsubscribe", openid="o_leaving")) == "success"
    assert not store.redis.exists(store.keys.session("o_leaving"))
    assert seen == ["o_leaving"]


@pytest.fixture
def menu(engine, monkeypatch):
    """Give the loaded knowledge a menu key (the menu file format belongs to the menu section)."""
    current = engine.knowledge.current
    menu = dataclasses.replace(current.menu, keys={"MENU_HELP": "帮助"})
    monkeypatch.setattr(engine.knowledge, "_knowledge", dataclasses.replace(current, menu=menu))


def test_click_is_routed_by_its_key(menu, say, server, engine):
    assert reply_content(say(server.event("CLICK", key="MENU_HELP"))).startswith(help_intro(engine))


def test_click_with_an_unknown_key_is_polite(menu, say, server, engine):
    assert reply_content(say(server.event("CLICK", key="NO_SUCH_KEY"))) == text_of(engine, "menu_unknown")


@pytest.mark.parametrize(("event", "key", "extra"), [
    ("VIEW", "http://www.clair.org.cn/", ""),
    ("LOCATION", None, "<Latitude>39.91</Latitude><Longitude>116.44</Longitude><Precision>30.0</Precision>"),
    ("SCAN", "123", f"<Ticket>{cdata('tkt')}</Ticket>"),
    ("TEMPLATESENDJOBFINISH", None, f"<MsgID>200163836</MsgID><Status>{cdata('success')}</Status>"),
    ("MASSSENDJOBFINISH", None, f"<MsgID>1000001625</MsgID><Status>{cdata('send success')}</Status>"
                                "<TotalCount>100</TotalCount><FilterCount>80</FilterCount>"
                                "<SentCount>75</SentCount><ErrorCount>5</ErrorCount>"),
    ("kf_create_session", None, f"<KfAccount>{cdata('test1@test')}</KfAccount>"),
])
def test_silent_events_answer_success(say, server, event, key, extra):
    assert say(server.event(event, key=key, extra=extra)) == "success"


def test_unknown_message_type_is_polite(say, server, engine):
    body = say(server.message("hologram", f"<Data>{cdata('???')}</Data>"))
    assert reply_content(body) == text_of(engine, "unknown")


def test_unknown_event_is_silent(say, server, engine):
    assert say(server.event("brand_new_event_2031", key="x")) == "success"


def test_news_reply_has_exactly_one_article(app, engine, server):
    from bot.core.replies import NewsReply

    news = NewsReply("标题 ]]> 一", "说明", "http://www.clair.org.cn/", "http://x.cn/p.jpg")
    engine.router.handlers.insert(-1, lambda ctx: answer(news) if ctx.text == "新闻" else PASS)
    body = exchange(app.test_client(), server, server.plaintext(server.text("新闻")))
    from xml.etree import ElementTree

    root = ElementTree.fromstring(body)
    assert root.findtext("MsgType") == "news"
    assert root.findtext("ArticleCount") == "1"
    items = root.findall("Articles/item")
    assert len(items) == 1
    assert items[0].findtext("Title") == "标题 ]]> 一"
    assert items[0].findtext("Url") == "http://www.clair.org.cn/"
