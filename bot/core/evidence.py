"""What the handlers recorded about one message (ctx.trace), read the same way by `bot ask` and the request log."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The decision of a handler that records none of its own.
DECISION_OF_HANDLER = {"fallback": "fallback", "commands": "command", "messages": "message", "events": "event",
                       "error": "error"}


def decision_of(trace: Mapping[str, Any]) -> str:
    """answer, suggest, choice_invalid, command, event, message, fallback, error… ('none' when nothing replied)."""
    handler = str(trace.get("handler", ""))
    if handler == "fallback":  # the FAQ matcher may have recorded its own decision before giving up
        return "fallback"
    return str(trace.get("decision") or DECISION_OF_HANDLER.get(handler, handler) or "none")


def summary(trace: Mapping[str, Any]) -> str:
    """handler=… decision=… entry=… for a log line: ids and names only, never the follower's words."""
    decision = decision_of(trace)
    entry = trace.get("entry") if decision == "answer" else None
    parts = [f"handler={trace.get('handler') or '-'}", f"decision={decision}", f"entry={entry or '-'}"]
    if decision == "suggest" and trace.get("suggestions"):
        parts.append(f"choices={','.join(str(s) for s in trace['suggestions'])}")
    if trace.get("menu_key"):
        parts.append(f"menu={trace['menu_key']}")
    return " ".join(parts)
