"""The public surface: /healthz says status words only, and there is no route beyond the webhook, health and the
staff console (behind its login)."""
from __future__ import annotations

import re

from tests.kbkit import FAQ, write, write_knowledge


def test_only_the_webhook_and_health_routes_exist(app):
    # the staff console is the one other surface: every page of it asks for a login (tests/console)
    assert {rule.rule for rule in app.url_map.iter_rules() if not rule.rule.startswith("/console/")} == \
        {"/healthz", "/wechat"}
    client = app.test_client()
    for path in ("/static/webhooks.py", "/static/", "/static/../pyproject.toml"):
        assert client.get(path).status_code == 404


def test_health_while_knowledge_is_broken_names_no_file_and_no_error(config, store, tmp_path):
    from webhooks import create_app

    folder = write_knowledge(tmp_path)
    app = create_app(config.with_(knowledge_dir=folder), store=store)
    engine = app.extensions["clairbot"]
    write(folder / "faq" / "main.yaml", FAQ.replace("  answer: 传真：+86-10-6513-8795\n", "  answer:\n"))
    engine.knowledge.reload_if_changed()
    assert engine.knowledge.last_error is not None  # the engine knows why; the public page must not say it

    resp = app.test_client().get("/healthz")
    assert resp.status_code == 200
    body = resp.get_json()
    text = resp.get_data(as_text=True)
    assert "main.yaml" not in text and "/" not in text and "answer" not in text
    assert body["knowledge"] == "stale"
    assert body["status"] in ("ok", "degraded") and body["redis"] == "ok"
    assert re.fullmatch(r"[0-9a-f]{1,16}", body["knowledge_version"])
    for key, value in body.items():
        assert key == "knowledge_version" or re.fullmatch(r"[a-z][a-z_]*", value), (key, value)

