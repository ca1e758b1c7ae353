"""Effects through the real webhook: every kind has an applier, and a message costs two Redis round trips carrying
a handful of commands."""
from __future__ import annotations

import pytest
import redis

from bot.app import effect_appliers
from bot.core.effects import SESSION_EFFECTS, Effect
from bot.devkit.wechat_client import exchange, reply_content
from bot.infra.store import Store


def all_effect_kinds() -> set[type]:
    import handlers  # noqa: F401  (the handlers import every kind of effect they may ask for)

    found, todo = set(), list(Effect.__subclasses__())
    while todo:
        kind = todo.pop()
        found.add(kind)
        todo.extend(kind.__subclasses__())
    return found


def test_every_kind_of_effect_has_an_applier():
    wired = effect_appliers()
    missing = {k.__name__ for k in all_effect_kinds() - set(SESSION_EFFECTS) if not wired.get(k)}
    assert not missing, f"no applier wired in bot/app.py for {sorted(missing)}"


class Trips:
    """Counts the requests a Redis client sends (one per command, one per pipeline) and the commands in them."""

    def __init__(self) -> None:
        self.count = 0
        self.commands = 0


def counting_store(store: Store, trips: Trips) -> Store:
    """A second client on the test Redis whose connections count what they send."""
    base = store.redis.connection_pool.connection_class

    class Counting(base):  # type: ignore[misc, valid-type]
        def send_packed_command(self, command, check_health=True):
            trips.count += 1
            return super().send_packed_command(command, check_health)

        def pack_command(self, *args):
            trips.commands += 1
            return super().pack_command(*args)

        def pack_commands(self, commands):
            commands = list(commands)
            trips.commands += len(commands)
            return super().pack_commands(commands)

    kwargs = dict(store.redis.connection_pool.connection_kwargs)
    pool = redis.ConnectionPool(connection_class=Counting, **kwargs)
    return Store(redis.Redis(connection_pool=pool), store.keys)


@pytest.fixture
def counted(config, store, server):
    from webhooks import create_app

    trips = Trips()
    app = create_app(config, store=counting_store(store, trips))
    client = app.test_client()
    exchange(client, server, server.plaintext(server.text("帮助", openid="o_warm")))  # connect, warm up

    def say(text: str, msg_id: int) -> tuple[str, int]:
        before = trips.count
        body = exchange(client, server, server.plaintext(server.text(text, msg_id=msg_id, openid="o_trips")))
        return reply_content(body), trips.count - before

    say.trips = trips  # type: ignore[attr-defined]
    return say


@pytest.mark.parametrize("text", ["帮助", "JET项目是什么", "研讨会", "zq 完全无关的问题 5521", "我的订阅"])
def test_a_message_costs_one_round_trip_before_handling_and_one_after(counted, text):
    reply, trips = counted(text, 8100 + len(text))
    assert reply
    assert trips == 2


# An ordinary answer: the signature record, the retry claim, the session and the topics before handling; the reply,
# the session, the answer's count, the follower's window and the day's counts after. One command each.
COMMANDS_PER_ANSWER = 9


def test_an_answer_costs_one_command_for_each_thing_read_or_written(counted):
    trips = counted.trips
    for msg_id in (8151, 8152):  # the second time, the session holds the first answer (for 不对) and is rewritten
        before = trips.commands
        reply, _ = counted("JET项目是什么", msg_id)
        assert "JET" in reply
        assert trips.commands - before == COMMANDS_PER_ANSWER


def test_the_answer_to_a_list_costs_the_same(counted):
    counted("研讨会", 8201)
    reply, trips = counted("1", 8202)
    assert reply and trips == 2


def test_a_subscription_change_and_its_tag_sync_ride_on_the_same_write(counted, store):
    from bot.push.queue import maintenance_queue

    first, _ = counted("订阅 旅游", 8301)  # the process's first job: RQ asks the server's version once
    reply, trips = counted("订阅 长野", 8302)
    assert "已为您订阅" in first and "已为您订阅" in reply
    assert trips == 2
    assert store.redis.smembers(store.keys.user_topics("o_trips")) == {b"tourism", b"nagano"}
    assert maintenance_queue(store).count == 2  # each change queues a sync of the follower's WeChat tags
