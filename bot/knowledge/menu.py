"""knowledge/menu.yaml: the account's custom menu; a click does what typing its `says` text does."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.knowledge.marked_yaml import Marked, read_needed
from bot.knowledge.problems import Problem

MAX_BUTTONS, MAX_SUB_BUTTONS = 3, 5
NAME_BYTES = {True: 16, False: 60}  # WeChat: top-level names ≤ 16 bytes, sub-menu names ≤ 60 bytes
KEY_BYTES, URL_BYTES = 128, 1024


@dataclass(frozen=True)
class Menu:
    """The account's menu: `body` as WeChat's menu/create takes it, `keys` click key → the text a click stands for,
    `lines` click key → the line of that text (its `says:`) in menu.yaml, for messages about it later."""

    body: Mapping[str, object]
    keys: Mapping[str, str]
    lines: Mapping[str, int] = field(default_factory=dict)


NO_MENU = Menu(body={"button": []}, keys={})


def load_menu(root: Path) -> tuple[Menu | None, list[Problem]]:
    """Read and check menu.yaml: the WeChat menu/create body and what each click key stands for."""
    path = root / "menu.yaml"
    rel = f"{root.name}/menu.yaml"
    if not path.exists() and not path.is_symlink():
        return NO_MENU, []
    marked, problems = read_needed(root, path)
    if marked is None:
        return None, problems
    listed = marked.value.get("buttons") if isinstance(marked.value, dict) else None
    buttons = listed.plain() if listed is not None else None
    if not isinstance(buttons, list) or not buttons:
        return None, [Problem(rel, 1, "menu.yaml needs 'buttons:' followed by a list of menus")]
    lines = [item.line for item in listed.value]
    if len(buttons) > MAX_BUTTONS:
        problems.append(Problem(rel, 1, f"{len(buttons)} menus: WeChat allows at most {MAX_BUTTONS}"))
    clicks = _Clicks()
    wechat: list[dict] = []
    for index, item in enumerate(listed.value):
        line = lines[index] if index < len(lines) else 1
        button = _button(item, rel, line, clicks, problems, top=True)
        if button is not None:
            wechat.append(button)
    return Menu(body={"button": wechat}, keys=clicks.says, lines=clicks.lines), problems


@dataclass
class _Clicks:
    """The click keys met so far: the text each stands for and the line of that text."""

    says: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)


def _button(item: Marked, rel: str, line: int, clicks: _Clicks, problems: list[Problem], *,
            top: bool) -> dict | None:
    raw = item.plain()
    if not isinstance(raw, dict):
        problems.append(Problem(rel, line, "each menu item needs a name and either sub_buttons, key + says, or url"))
        return None
    name = str(raw.get("name") or "").strip()
    if not name:
        problems.append(Problem(rel, line, "a menu item has no name"))
    elif len(name.encode()) > NAME_BYTES[top]:
        limit = NAME_BYTES[top]
        problems.append(Problem(rel, line, f"menu name '{name}' is {len(name.encode())} bytes: WeChat allows "
                                           f"{limit} ({limit // 3} Chinese characters)"))
    subs = raw.get("sub_buttons")
    if subs is not None:
        if not top:
            problems.append(Problem(rel, line, f"'{name}': a sub-menu cannot have its own sub_buttons"))
            return None
        if not isinstance(subs, list) or not subs:
            problems.append(Problem(rel, line, f"'{name}': sub_buttons must be a list of menu items"))
            return None
        if len(subs) > MAX_SUB_BUTTONS:
            problems.append(Problem(rel, line, f"'{name}' has {len(subs)} sub-menus: WeChat allows "
                                               f"{MAX_SUB_BUTTONS}"))
        children = [_button(sub, rel, line, clicks, problems, top=False) for sub in item.value["sub_buttons"].value]
        return {"name": name, "sub_button": [c for c in children if c is not None]}
    url = str(raw.get("url") or "").strip()
    key = str(raw.get("key") or "").strip()
    says = str(raw.get("says") or "").strip()
    if url:
        if not url.startswith(("http://", "https://")) or len(url.encode()) > URL_BYTES:
            problems.append(Problem(rel, line, f"'{name}': url {url!r} must start with http(s):// "
                                               f"and stay under {URL_BYTES} bytes"))
        return {"type": "view", "name": name, "url": url}
    if not key or not says:
        problems.append(Problem(rel, line, f"'{name}' needs either 'key' and 'says' (a click) or 'url' (a web page)"))
        return None
    if len(key.encode()) > KEY_BYTES:
        problems.append(Problem(rel, line, f"'{name}': key is over {KEY_BYTES} bytes"))
    if key in clicks.says:
        problems.append(Problem(rel, line, f"the key '{key}' is used twice: each click needs its own key"))
    clicks.says[key] = says
    clicks.lines[key] = item.value["says"].line
    return {"type": "click", "name": name, "key": key}
