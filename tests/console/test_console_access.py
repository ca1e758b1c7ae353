"""The console's door: every page needs a login, forms need CSRF tokens, failed logins are throttled per account and
per address, the session cookie is HttpOnly + SameSite (+ Secure over HTTPS), staff accounts come from `bot staff`."""
from __future__ import annotations

import os
import stat

import pytest

from bot.console.accounts import AccountError, StaffAccounts
from bot.console.secret import SECRET_FILE, secret_key
from tests.console.conftest import PASSWORD, csrf_of, log_in
from webhooks import create_app

PAGES = ["/console/", "/console/inbox", "/console/try?q=电话", "/console/knowledge", "/console/transfer",
         "/console/export.csv", "/console/export.xlsx", "/console/history", "/console/dashboard", "/console/pushes"]
FORMS = ["/console/inbox/phrasing", "/console/inbox/entry", "/console/inbox/dismiss", "/console/import",
         "/console/import/apply", "/console/logout"]


def test_no_page_or_export_without_a_login(console_app, accounts):
    client = console_app.test_client()
    for page in PAGES:
        resp = client.get(page)
        assert resp.status_code == 302, page
        assert resp.headers["Location"].startswith("/console/login?next="), page
    for form in FORMS:
        assert client.post(form, data={"text": "x"}).status_code in (400, 401), form
    assert client.get("/console/static/console.css").status_code == 200  # the login page's look only


def test_login_form_has_the_contract_fields_and_a_wrong_password_is_refused(console_app, accounts):
    client = console_app.test_client()
    page = client.get("/console/login").get_data(as_text=True)
    assert 'name="username"' in page and 'name="password"' in page and "登录" in page
    resp = log_in(client, password="wrong password!")
    assert resp.status_code == 200 and "用户名或密码不正确" in resp.get_data(as_text=True)
    assert client.get("/console/inbox").status_code == 302
    resp = log_in(client, name="nobody")
    assert resp.status_code == 200


def test_login_then_pages_and_logout(console_app, accounts):
    client = console_app.test_client()
    resp = log_in(client, query_string={"next": "/console/knowledge"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/console/knowledge"
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain http on a development machine
    for page in PAGES:
        assert client.get(page).status_code in (200, 302), page
    token = csrf_of(client.get("/console/inbox").get_data(as_text=True))
    assert client.post("/console/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/console/inbox").status_code == 302


def test_after_login_only_a_console_page_of_this_site(console_app, accounts):
    for target in ("https://evil.example/", "//evil.example/console/", "/wechat", "/console\\..\\x"):
        resp = log_in(console_app.test_client(), query_string={"next": target})
        assert resp.headers["Location"] == "/console/inbox", target


def test_the_cookie_is_secure_over_https(console_app, accounts):
    client = console_app.test_client()
    token = csrf_of(client.get("/console/login", base_url="https://bot.example.org").get_data(as_text=True))
    resp = client.post("/console/login", base_url="https://bot.example.org",
                       headers={"Referer": "https://bot.example.org/console/login"},
                       data={"username": "wang", "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 302
    assert "Secure" in resp.headers["Set-Cookie"]


def test_forms_without_a_csrf_token_are_refused(console_app, accounts, staff):
    client = console_app.test_client()
    resp = client.post("/console/login", data={"username": "wang", "password": PASSWORD})
    assert resp.status_code == 400 and "CSRF" in resp.get_data(as_text=True)
    resp = staff.post("/console/inbox/dismiss", data={"action": "ignore", "text": "x", "csrf_token": "forged"})
    assert resp.status_code == 400


def test_failed_logins_are_throttled_per_account(console_app, console_config, accounts):
    client = console_app.test_client()
    for _ in range(console_config.console_login_attempts):
        assert log_in(client, password="wrong password!").status_code == 200
    resp = log_in(client)  # the right password, too late
    assert resp.status_code == 429 and "次数过多" in resp.get_data(as_text=True)
    other = StaffAccounts(console_app.extensions["clairbot"].store)
    other.add("li", PASSWORD)
    assert log_in(client, name="li").status_code == 302  # another account from the same address still logs in


def test_failed_logins_are_throttled_per_address(console_app, console_config, accounts):
    client = console_app.test_client()
    for n in range(console_config.console_login_attempts * 4):
        assert log_in(client, name=f"guess{n}", password="wrong password!").status_code == 200
    assert log_in(client).status_code == 429
    elsewhere = console_app.test_client()
    token = csrf_of(elsewhere.get("/console/login").get_data(as_text=True))
    resp = elsewhere.post("/console/login", environ_base={"REMOTE_ADDR": "10.1.2.3"},
                          data={"username": "wang", "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 302


def test_a_removed_account_or_a_new_password_ends_the_session(console_app, accounts, staff):
    assert staff.get("/console/inbox").status_code == 200
    accounts.add("wang", "another long password")
    assert staff.get("/console/inbox").status_code == 302
    assert log_in(staff, password="another long password").status_code == 302
    accounts.remove("wang")
    assert staff.get("/console/inbox").status_code == 302


def test_accounts_keep_only_a_scrypt_hash(store):
    accounts = StaffAccounts(store)
    accounts.add("zhang", PASSWORD)
    stored = store.redis.hget(store.keys.staff_accounts, "zhang").decode()
    assert stored.startswith("scrypt:") and PASSWORD not in stored
    assert accounts.verify("zhang", PASSWORD) and not accounts.verify("zhang", PASSWORD + "x")
    for name, password in (("bad name", PASSWORD), ("ok", "short"), ("../x", PASSWORD)):
        with pytest.raises(AccountError):
            accounts.add(name, password)


def test_bot_staff_add_list_remove(bot, redis_client, monkeypatch):
    added = bot("staff", "add", "chen", "--password-stdin", input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    assert "created chen" in added.output
    assert bot("staff", "list").output.split() == ["chen"]
    short = bot("staff", "add", "liu", "--password-stdin", input="short\n")
    assert short.exit_code == 1 and "at least" in short.output
    assert bot("staff", "remove", "chen").exit_code == 0
    missing = bot("staff", "remove", "chen")
    assert missing.exit_code == 1 and "no staff account" in missing.output
    assert "no staff accounts" in bot("staff", "list").output


def test_the_secret_key_is_generated_once_and_kept_private(config):
    first = secret_key(config)
    assert len(first) >= 32 and secret_key(config) == first
    mode = stat.S_IMODE(os.stat(config.data_dir / SECRET_FILE).st_mode)
    assert mode == 0o600
    assert secret_key(config.with_(console_secret_key="k" * 40)) == "k" * 40


def test_console_enabled_off_serves_no_console(config, store):
    app = create_app(config.with_(console_enabled=False), store=store)
    assert {rule.rule for rule in app.url_map.iter_rules()} == {"/healthz", "/wechat"}
    assert app.test_client().get("/console/login").status_code == 404


def test_the_webhook_pays_for_neither_the_console_session_nor_the_login_throttle(console_app):
    from flask import session
    from flask.sessions import NullSession

    with console_app.test_request_context("/wechat", method="POST"):
        assert isinstance(session._get_current_object(), NullSession)  # no cookie read, signed or written
    with console_app.test_request_context("/console/login"):
        assert not isinstance(session._get_current_object(), NullSession)
    app_wide = [hook for name in ("before_request_funcs", "after_request_funcs", "teardown_request_funcs")
                for hook in getattr(console_app, name).get(None, [])]
    assert not [hook for hook in app_wide if "flask_limiter" in repr(hook)]
    assert [hook for hook in console_app.before_request_funcs["console"] if "Limiter" in repr(hook)]
