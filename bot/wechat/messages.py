"""The wechatpy message of an inbound request, built from the tree the safe parser already made.

wechatpy's `parse_message` parses the XML again (with xmltodict) before it picks the message class; here the
tree from `defusedxml` is turned into the same dict xmltodict would give (text stripped, empty → None, nested
elements as dicts, repeated ones as lists, attributes as `@name`), and the class is picked by the same rules,
so each document is parsed once.
"""
from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

from wechatpy.events import EVENT_TYPES
from wechatpy.messages import MESSAGE_TYPES, BaseMessage, UnknownMessage

# A subscribe whose EventKey starts so is a scan-to-follow (wechatpy's own event names).
_PRODUCT_SCAN = ("scanbarcode|", "scanimage|")
_SCENE = "qrscene_"


def element_value(element: Element) -> Any:
    """What xmltodict makes of `element`: its stripped text (None when empty), or a dict of its children."""
    own = (element.text or "") + "".join(child.tail or "" for child in element)
    text = own.strip() or None
    if not len(element) and not element.attrib:
        return text
    item: dict[str, Any] = {f"@{name}": value for name, value in element.attrib.items()}
    for child in element:
        value = element_value(child)
        if child.tag not in item:
            item[child.tag] = value
        elif isinstance(item[child.tag], list):
            item[child.tag].append(value)
        else:
            item[child.tag] = [item[child.tag], value]
    if text:
        item["#text"] = text
    return item


def message_from_tree(root: Element) -> BaseMessage:
    """The wechatpy message or event of a parsed `<xml>` root (UnknownMessage for a type wechatpy lacks)."""
    data = element_value(root)
    if not isinstance(data, dict):
        raise ValueError("the message has no fields")
    kind = data["MsgType"].lower()  # None (an empty element) raises, as in wechatpy: the request is refused
    if kind != "event" and not kind.startswith("device_"):
        return MESSAGE_TYPES.get(kind, UnknownMessage)(data)
    event = data["Event"].lower() if "Event" in data else None
    if kind.startswith("device_"):
        event = kind if event is None else f"device_{event}"
    key = data.get("EventKey")
    if event == "subscribe" and key:
        if key.startswith(_PRODUCT_SCAN):
            event = data["Event"] = "subscribe_scan_product"
        elif key.startswith(_SCENE):
            event = data["Event"] = "subscribe_scan"
            data["EventKey"] = key[len(_SCENE):]
    return EVENT_TYPES.get(event, UnknownMessage)(data)
