"""Read the unanswered-questions stream and group similar questions, for `bot report unanswered`."""
from __future__ import annotations

import click
import redis

from bot.followers.unanswered import SAME_QUESTION, Asked, Group, group_questions, read_since, unpicked_lists
from bot.infra.config import Config
from bot.infra.store import Store

__all__ = ["SAME_QUESTION", "Asked", "Group", "group_questions", "read_unanswered", "unpicked_lists"]


def read_unanswered(config: Config, *, since: float) -> list[Asked]:
    """Every unanswered question logged since `since` (unix time), oldest first."""
    try:
        return read_since(Store.connect(config), since)
    except (redis.RedisError, OSError) as exc:
        where = config.redis_url or f"the embedded Redis in {config.data_dir}"
        raise click.ClickException(f"cannot read the unanswered questions from {where}: {exc}") from exc
