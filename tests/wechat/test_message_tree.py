"""The message built from the safe parser's tree is the one wechatpy's parse_message would have built."""
from __future__ import annotations

import pytest
from wechatpy import parse_message

from bot.wechat.messages import message_from_tree
from bot.wechat.protocol import parse_xml_tree

HEAD = ("<ToUserName><![CDATA[gh_clairbj]]></ToUserName><FromUserName><![CDATA[o_follower_1]]></FromUserName>"
        "<CreateTime>1700000000</CreateTime>")


def event(name: str, inner: str = "") -> str:
    return f"<xml>{HEAD}<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{name}]]></Event>{inner}</xml>"


def message(kind: str, inner: str) -> str:
    return f"<xml>{HEAD}<MsgType><![CDATA[{kind}]]></MsgType>{inner}<MsgId>6054768590064713728</MsgId></xml>"


SAMPLES = {
    "text": message("text", "<Content><![CDATA[JET项目是什么]]></Content>"),
    "text padded": message("text", "<Content><![CDATA[  帮助 \n]]></Content>"),
    "text empty": message("text", "<Content><![CDATA[]]></Content>"),
    "text no content": message("text", "<Content></Content>"),
    "text with ]]>": message("text", "<Content><![CDATA[a]]]]><![CDATA[>b]]></Content>"),
    "text upper type": message("TEXT", "<Content>hi</Content>"),
    "voice": message("voice", "<MediaId>m1</MediaId><Format>amr</Format><Recognition>你好</Recognition>"),
    "image": message("image", "<PicUrl>http://x/y.jpg</PicUrl><MediaId>m2</MediaId>"),
    "location": message("location", "<Location_X>39.9</Location_X><Location_Y>116.4</Location_Y><Scale>15</Scale>"
                                    "<Label><![CDATA[北京]]></Label>"),
    "link": message("link", "<Title>t</Title><Description>d</Description><Url>http://x</Url>"),
    "unknown kind": message("hologram", "<Beam>1</Beam>"),
    "subscribe": event("subscribe"),
    "subscribe by scene": event("subscribe", "<EventKey><![CDATA[qrscene_123]]></EventKey><Ticket>tk</Ticket>"),
    "subscribe by product": event("subscribe", "<EventKey><![CDATA[scanbarcode|x]]></EventKey>"),
    "subscribe empty key": event("subscribe", "<EventKey><![CDATA[]]></EventKey>"),
    "unsubscribe": event("unsubscribe"),
    "scan": event("SCAN", "<EventKey><![CDATA[123]]></EventKey><Ticket>tk</Ticket>"),
    "click": event("CLICK", "<EventKey><![CDATA[MENU_JET]]></EventKey>"),
    "view": event("VIEW", "<EventKey><![CDATA[http://www.clair.org.cn/]]></EventKey>"),
    "scancode push": event("scancode_push", "<EventKey>k</EventKey><ScanCodeInfo><ScanType>qrcode</ScanType>"
                                            "<ScanResult>1</ScanResult></ScanCodeInfo>"),
    "pictures": event("pic_sysphoto", "<EventKey>k</EventKey><SendPicsInfo><Count>2</Count><PicList>"
                                      "<item><PicMd5Sum>a</PicMd5Sum></item><item><PicMd5Sum>b</PicMd5Sum></item>"
                                      "</PicList></SendPicsInfo>"),
    "location select": event("location_select", "<SendLocationInfo><Location_X>1</Location_X>"
                                                 "<Label>x</Label><Poiname/></SendLocationInfo>"),
    "template sent": event("TEMPLATESENDJOBFINISH", "<MsgID>200163836</MsgID><Status>success</Status>"),
    "unknown event": event("teleport"),
    "device event": f"<xml>{HEAD}<MsgType>device_event</MsgType><Event>bind</Event><DeviceID>d</DeviceID></xml>",
    "device text": f"<xml>{HEAD}<MsgType>device_text</MsgType><Content>eA==</Content></xml>",
    "attributes and mixed text": message("text", '<Content lang="zh">hi<b>x</b> there</Content><Extra a="1"/>'),
}


@pytest.mark.parametrize("xml", SAMPLES.values(), ids=SAMPLES.keys())
def test_same_message_as_wechatpy(xml: str):
    ours = message_from_tree(parse_xml_tree(xml.encode("utf-8")))
    theirs = parse_message(xml)
    assert type(ours) is type(theirs)
    assert ours._data == theirs._data
    for name in type(theirs)._fields:
        assert getattr(ours, name) == getattr(theirs, name), name


@pytest.mark.parametrize("xml", [
    f"<xml>{HEAD}<MsgType></MsgType></xml>",
    f"<xml>{HEAD}<MsgType>event</MsgType><Event></Event></xml>",
    event("subscribe", "<EventKey><a>1</a></EventKey>"),
])
def test_what_wechatpy_cannot_read_is_refused_too(xml: str):
    with pytest.raises(Exception):  # noqa: B017 (wechatpy raises whatever the field access raises)
        parse_message(xml)
    with pytest.raises(Exception):  # noqa: B017
        message_from_tree(parse_xml_tree(xml.encode("utf-8")))
