"""`bot ask`: what the bot would answer to a text, and why (bot/console/explain.py), and the menu check of
`bot kb check` built on it."""
from __future__ import annotations

from bot.console.explain import ASK_OPENID, effect_name, explain, reply_text
from bot.knowledge import Knowledge, Problem

__all__ = ["ASK_OPENID", "effect_name", "explain", "menu_problems", "reply_text"]


def menu_problems(knowledge: Knowledge) -> list[Problem]:
    """A menu button whose text the bot does not answer directly (a list or the fallback) is a warning."""
    menu = knowledge.menu
    problems = []
    for key, says in menu.keys.items():
        result = explain("", knowledge, menu_key=key)
        if result["decision"] in ("suggest", "fallback"):
            problems.append(Problem(f"{knowledge.root.name}/menu.yaml", menu.lines.get(key, 1),
                                    f"the button {key} says '{says}', which the bot answers with "
                                    f"{'a 您是想问 list' if result['decision'] == 'suggest' else 'the fallback'}: "
                                    "use a phrasing of the entry it should open", "warning"))
    return problems
