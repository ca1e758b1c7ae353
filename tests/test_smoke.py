"""The bot starts, answers a signed text message and reports its health."""
from __future__ import annotations

from bot.staff.chat import WebhookClient
from tests.constants import TOKEN


def test_health_reports_redis_and_knowledge(app):
    body = app.test_client().get("/healthz").get_json()
    assert body["redis"] == "ok"
    assert len(body["knowledge_version"]) == 12


def test_help_and_welcome(app):
    client = WebhookClient(app, token=TOKEN)
    assert "欢迎关注" in client.event("subscribe")
    assert "我可以回答" in client.say("帮助")
