"""The console's web side: installing it on the Flask app (session, CSRF, login throttle) and its login gate."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlparse

from flask import (
    Blueprint,
    Flask,
    Request,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from bot.console.accounts import StaffAccounts
from bot.console.secret import secret_key
from bot.core.engine import Engine

log = logging.getLogger("bot.console")
THROTTLE_WINDOW = "15 minutes"
OPEN_ENDPOINTS = frozenset({"console.login", "console.static"})
# The webhook's MAX_BODY_BYTES holds for every other request; an import may carry a whole proofread table.
UPLOADS = frozenset({"console.import_upload", "console.import_apply"})
UPLOAD_BYTES = 6 * 1024 * 1024
CONSOLE_PATH = "/console/"
# The request hooks an extension may put on the whole app; the login throttle's are moved to the console's pages.
REQUEST_HOOKS = ("before_request_funcs", "after_request_funcs", "teardown_request_funcs")


class ConsoleSessions(SecureCookieSessionInterface):
    """Signed cookie sessions, marked Secure whenever the request came over HTTPS (or CONSOLE_SECURE_COOKIE).

    Only the console's pages have one: the webhook and /healthz get Flask's null session, so that no cookie is
    read, signed or written on WeChat's requests.
    """

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:  # type: ignore[override]
        if not (request.path + "/").startswith(CONSOLE_PATH):
            return None  # Flask then uses its null session, and saves nothing
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def console_blueprint() -> Blueprint:
    return Blueprint("console", __name__, url_prefix=CONSOLE_PATH.rstrip("/"), template_folder="templates",
                     static_folder="static", static_url_path="/static")


def engine_of() -> Engine:
    """The engine of the app serving this request."""
    return current_app.extensions["clairbot"]


def install(app: Flask, engine: Engine, blueprint: Blueprint) -> None:
    """Put the console on the app: its session cookie, CSRF on every form, the login throttle on Redis."""
    config = engine.config
    app.secret_key = secret_key(config)
    app.session_interface = ConsoleSessions()
    app.config.update(SESSION_COOKIE_NAME="clairbot_console", SESSION_COOKIE_PATH="/console",
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=config.console_secure_cookie,
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
                      WTF_CSRF_CHECK_DEFAULT=False,  # the webhook takes WeChat's signed POSTs: only console forms
                      WTF_CSRF_TIME_LIMIT=12 * 3600)
    app.jinja_options = {**app.jinja_options, "autoescape": True}
    csrf = CSRFProtect(app)
    store = engine.store
    with hooks_confined_to(app, blueprint.name):  # it throttles the login only: the webhook never pays for it
        limiter = Limiter(key_func=lambda: request.remote_addr or "-", app=app, default_limits=[],
                          storage_uri="redis://", headers_enabled=False,
                          storage_options={"connection_pool": store.redis.connection_pool,
                                           "key_prefix": store.keys.console_limits})
    accounts = StaffAccounts(store)
    attempts = config.console_login_attempts

    def failed_login(response: Response) -> bool:
        return request.method == "POST" and response.status_code != 302

    def account_key() -> str:
        return "account:" + (request.form.get("username") or "").strip().lower()[:64]

    def address_key() -> str:
        return "address:" + (request.remote_addr or "-")

    @blueprint.before_request
    def gate() -> Response | None:
        if request.endpoint in OPEN_ENDPOINTS:
            if request.method == "POST":
                csrf.protect()
            return None
        name = session.get("staff")
        if not name or session.get("stamp") != accounts.stamp(name):
            session.clear()
            if request.method != "GET":
                abort(401)
            return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
        g.staff = name
        if request.endpoint in UPLOADS:
            request.max_content_length = request.max_form_memory_size = UPLOAD_BYTES
        if request.method == "POST":
            csrf.protect()
        return None

    @blueprint.route("/login", methods=["GET", "POST"])
    @limiter.limit(f"{attempts} per {THROTTLE_WINDOW}", key_func=account_key, methods=["POST"],
                   deduct_when=failed_login, scope="console-login-account")
    @limiter.limit(f"{attempts * 4} per {THROTTLE_WINDOW}", key_func=address_key, methods=["POST"],
                   deduct_when=failed_login, scope="console-login-address")
    def login() -> Response | str:
        error = ""
        if request.method == "POST":
            name = (request.form.get("username") or "").strip()
            password = request.form.get("password") or ""
            if accounts.verify(name, password):
                session.clear()
                session.permanent = True
                session["staff"], session["stamp"] = name, accounts.stamp(name)
                log.info("console login: %s", name)
                return redirect(_safe_next(request.args.get("next")))
            log.warning("console login refused for %r from %s", name[:32], request.remote_addr)
            error = "用户名或密码不正确。"
        return render_template("console/login.html", error=error, username=request.form.get("username", ""))

    @blueprint.post("/logout")
    def logout() -> Response:
        session.clear()
        return redirect(url_for("console.login"))

    @blueprint.errorhandler(CSRFError)
    def csrf_refused(exc: CSRFError) -> tuple[str, int]:
        return render_template("console/error.html", title="页面已过期",
                               message="表单已过期或来源不明（CSRF 校验失败）：请刷新页面后再提交一次。"), 400

    @blueprint.errorhandler(RateLimitExceeded)
    def throttled(exc: RateLimitExceeded) -> tuple[str, int]:
        return render_template("console/error.html", title="尝试次数过多",
                               message="登录失败次数过多，请 15 分钟后再试，或请同事在服务器上重设密码"
                                       "（bot staff add 名字 --password-stdin）。"), 429

    @blueprint.errorhandler(413)
    def too_large(exc: Exception) -> tuple[str, int]:
        return render_template("console/error.html", title="文件太大",
                               message=f"上传的内容太大（最多 {UPLOAD_BYTES // 1024 // 1024} MB）。"), 413

    @blueprint.errorhandler(401)
    def unauthorized(exc: Exception) -> tuple[str, int]:
        return render_template("console/error.html", title="请先登录", message="登录已失效，请重新登录。"), 401

    @blueprint.errorhandler(404)
    def not_found(exc: Exception) -> tuple[str, int]:
        return render_template("console/error.html", title="找不到页面", message="没有这个页面。"), 404

    @blueprint.errorhandler(Exception)
    def failed(exc: Exception) -> tuple[str, int] | Exception:
        if isinstance(exc, HTTPException):
            return exc
        log.exception("console error on %s %s", request.method, request.path)
        return render_template("console/error.html", title="出错了",
                               message="处理时出错，什么也没有保存。请稍后再试；问题持续时请联系维护人员。"), 500

    app.register_blueprint(blueprint)


@contextmanager
def hooks_confined_to(app: Flask, blueprint: str) -> Iterator[None]:
    """The request hooks registered on the whole app inside the block run for the blueprint's requests only.

    Flask runs an app's hooks for every request and a blueprint's for its own; an extension such as Flask-Limiter
    knows only the first kind.
    """
    before = {name: len(getattr(app, name).get(None, ())) for name in REQUEST_HOOKS}
    yield
    for name in REQUEST_HOOKS:
        hooks = getattr(app, name)
        added = hooks.get(None, [])[before[name]:]
        if added:
            del hooks[None][before[name]:]
            hooks.setdefault(blueprint, []).extend(added)


def _safe_next(target: str | None) -> str:
    """Where to go after login: a console page of this site only (never another host)."""
    if target:
        parsed = urlparse(target)
        if not parsed.scheme and not parsed.netloc and parsed.path.startswith("/console/") and "\\" not in target:
            return target
    return url_for("console.inbox")
