"""The Flask app: WeChat's webhook (GET verify, POST message), a health check and the staff console under
/console/ (CONSOLE_ENABLED). Thin: the work is in bot/."""
from __future__ import annotations

import logging
import re

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from bot.app import build_edge, build_engine
from bot.console import install_console
from bot.infra.config import Config
from bot.infra.logs import ensure_logging
from bot.infra.store import Store
from bot.wechat.protocol import BadRequest, Forbidden
from bot.wechat.replay import SignatureRecords

log = logging.getLogger("webhooks")
XML = "application/xml; charset=utf-8"
# /healthz is public: it says only status words and the short knowledge version, never paths or error texts.
_STATUS_WORD = re.compile(r"[a-z][a-z_]{0,23}")
_VERSION = re.compile(r"[0-9a-f]{1,16}")


def create_app(config: Config | None = None, *, store: Store | None = None) -> Flask:
    """The app factory: one engine per process, built from the environment unless given a config."""
    ensure_logging()  # a server started without `bot` or our gunicorn logger still logs time and level
    config = config or Config.from_env()
    edge = build_edge(config)  # the WeChat side: signatures, decryption, sealing; the engine only renders
    engine = build_engine(config, store=store, edge=edge)
    app = Flask(__name__, static_folder=None)  # no /static route: only the console serves its own CSS
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.extensions["clairbot"] = engine
    app.extensions["clairbot.edge"] = edge
    signatures = SignatureRecords(engine.store, window=config.replay_window, retry_horizon=engine.replies.ttl)

    @app.get("/wechat")
    def verify() -> Response:
        try:
            echostr = edge.verify_url(request.args.to_dict())
        except Forbidden as exc:
            log.warning("GET /wechat refused: %s", exc)
            return Response("forbidden", status=403, mimetype="text/plain")
        return Response(echostr, mimetype="text/plain")

    @app.post("/wechat")
    def message() -> Response:
        args = request.args.to_dict()
        body = request.get_data(cache=False)
        try:
            inbound = edge.inbound(args, body)
            xml = engine.respond(inbound.message, guard=signatures.guard(args, body))
        except Forbidden as exc:
            log.warning("POST /wechat refused (403): %s", exc)
            return Response("forbidden", status=403, mimetype="text/plain")
        except BadRequest as exc:
            log.warning("POST /wechat rejected (400): %s", exc)
            return Response("bad request", status=400, mimetype="text/plain")
        if xml == "success":
            return Response("success", mimetype="text/plain")
        return Response(edge.seal(xml, args, inbound.encrypted), mimetype=XML)

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(public_health(engine.health()))

    if config.console_enabled:
        install_console(app, engine)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_: Exception) -> Response:
        return Response("payload too large", status=413, mimetype="text/plain")

    @app.errorhandler(Exception)
    def never_500(exc: Exception) -> Response:
        if isinstance(exc, HTTPException):
            return exc  # type: ignore[return-value]
        log.exception("unexpected error on %s %s", request.method, request.path)
        return Response("success", mimetype="text/plain")  # WeChat shows nothing rather than an error

    return app


def public_health(body: dict) -> dict:
    """The public part of the engine's health: status words and the short knowledge version only.

    A detail that is not a status word (an error text naming a file) is left out; its subject is reported stale.
    """
    shown: dict[str, str] = {}
    for key, value in body.items():
        if key == "knowledge_version":
            if _VERSION.fullmatch(str(value)):
                shown[key] = str(value)
        elif isinstance(value, str) and _STATUS_WORD.fullmatch(value):
            shown[key] = value
        else:
            shown.setdefault(key.split("_", 1)[0], "stale")
    return shown
