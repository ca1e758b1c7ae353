"""A fake WeChat API server on loopback: real HTTP, WeChat's sending rules enforced, every call recorded.

It models what a push design must respect (see ../shared/PROTOCOL.md "Sending first"): the access_token
(2,000 fetches a day, 40001/42001 for a bad or expired token), customer-service messages only inside the
follower's window (48 h and 5 messages after the follower wrote; 1 minute and 3 messages after a click,
follow or scan: 45015 / 45047; 43004 once unfollowed), one news article per message, the daily mass-send
quota (45009) with `clientmsgid` idempotency (45065), tags and the menu. Tokens come from both endpoints with
their real semantics: `/cgi-bin/token` makes a new token and the earlier ones stop working 5 minutes later;
`/cgi-bin/stable_token` (POST JSON) hands out the stable token in force until it expires (normal mode) and its
tokens are independent of the other endpoint's; `force_refresh` replaces it at once, 20 times a day at most.
Tests inject errors (-1, 45009, 48001…), a dropped connection (DROP), an HTTP error status without a WeChat
answer ("http:500"; "http:504+" carries the call out first, as a gateway that lost the answer), or a slow
answer ("slow:2.5": carried out, answered after 2.5 s), and move the fake's clock.
"""
from __future__ import annotations

import itertools
import json
import socket
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

LONG_WINDOW, LONG_COUNT = 48 * 3600, 5
SHORT_WINDOW, SHORT_COUNT = 60, 3
TOKEN_FETCHES_PER_DAY = 2000
STABLE_FORCE_PER_DAY = 20
OLD_TOKEN_GRACE = 300  # /cgi-bin/token: earlier tokens keep working this long after a new fetch
DROP = "drop"  # inject this instead of an errcode: deliver, then close the connection without an answer
MESSAGES = {-1: "system error", 40001: "invalid credential, access_token is invalid or not latest",
            42001: "access_token expired", 43004: "require subscribe", 45009: "reach max api daily quota limit",
            45015: "response out of time limit or subscription is canceled", 45047: "out of response count limit",
            45065: "clientmsgid exist", 48001: "api unauthorized", 40003: "invalid openid", 40002: "invalid grant_type",
            45008: "article size out of limit", 40013: "invalid appid", 40125: "invalid appsecret"}


@dataclass
class Call:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    errcode: int | str = 0


@dataclass
class Follower:
    following: bool = True
    wrote_at: float = -1e12  # last message: opens the 48 h window
    long_sent: int = 0
    acted_at: float = -1e12  # last click / follow / scan: opens the 1-minute window
    short_sent: int = 0
    tags: set[int] = field(default_factory=set)


@dataclass
class Raw:
    """An answer that is not plain JSON: an HTTP error status, or JSON sent after a delay."""

    status: int = 200
    body: Any = None
    delay: float = 0.0


class FakeWeChat:
    """State and rules of the fake API; `start()` serves it over HTTP on 127.0.0.1."""

    def __init__(self, *, appid: str = "wx2c2769f8efd9abc2", secret: str = "fakesecret", enforce: bool = True,
                 record: bool = True, token_delay: float = 0.0, mass_quota: int = 1) -> None:
        self.appid, self.secret = appid, secret
        self.enforce, self.record, self.token_delay, self.mass_quota = enforce, record, token_delay, mass_quota
        self.offset = 0.0
        self.lock = threading.Lock()
        self.calls: list[Call] = []
        self.counts: Counter[str] = Counter()
        self.followers: dict[str, Follower] = {}
        self.received: defaultdict[str, list[dict]] = defaultdict(list)
        self.tokens: dict[str, float] = {}
        self.token_fetches: Counter[str] = Counter()
        self.ordinary_tokens: set[str] = set()
        self.stable_token: str | None = None
        self.stable_forced: Counter[str] = Counter()
        self.tags: dict[int, str] = {}
        self.mass_sent: Counter[str] = Counter()
        self.clientmsgids: set[str] = set()
        self.menu: dict | None = None
        self.injected: list[list] = []
        self.span: dict[str, list[float]] = {}  # path → [first call, last call] (wall clock), for benchmarks
        self._ids = itertools.count(100)
        self.server: ThreadingHTTPServer | None = None
        self.connections: set = set()  # open keep-alive connections, closed by stop() as a real outage would

    # -- what tests do -------------------------------------------------------------------------------
    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        """Move the fake's clock forward."""
        self.offset += seconds

    def day(self) -> str:
        return time.strftime("%Y%m%d", time.gmtime(self.now() + 8 * 3600))  # the Beijing day

    def follow(self, *openids: str, fresh: bool = True) -> None:
        """They follow the account; a `fresh` follow (just now) opens the 1-minute window."""
        for openid in openids:
            follower = self.followers.setdefault(openid, Follower())
            follower.following = True
            if fresh:
                follower.acted_at, follower.short_sent = self.now(), 0

    def unfollow(self, openid: str) -> None:
        self.followers.setdefault(openid, Follower()).following = False

    def wrote(self, *openids: str) -> None:
        """They sent us a message: a new 48-hour window with 5 messages."""
        for openid in openids:
            follower = self.followers.setdefault(openid, Follower())
            follower.wrote_at, follower.long_sent = self.now(), 0

    def clicked(self, openid: str) -> None:
        """A menu click or QR scan: a 1-minute window with 3 messages."""
        follower = self.followers.setdefault(openid, Follower())
        follower.acted_at, follower.short_sent = self.now(), 0

    def inject(self, path: str, errcode: int | str, *, times: int = 1, openid: str | None = None) -> None:
        """The next `times` calls to a path ending in `path` (for `openid`, if given) answer `errcode`.

        Besides errcodes: DROP (carried out, connection closed unanswered), "http:NNN" (an HTTP status with an
        HTML body, not carried out), "http:NNN+" (carried out, then that status) and "slow:S" (carried out,
        answered after S seconds).
        """
        with self.lock:
            self.injected.append([path, errcode, times, openid])

    def expire_tokens(self) -> None:
        """Every issued token becomes invalid (40001), as after a fetch elsewhere or a secret reset."""
        with self.lock:
            self.tokens.clear()

    def calls_to(self, suffix: str) -> list[Call]:
        return [c for c in self.calls if c.path.endswith(suffix)]

    def news_to(self, openid: str) -> list[str]:
        """Titles of the news messages the follower received (customer service or mass)."""
        out = []
        for message in self.received.get(openid, []):
            if message.get("msgtype") == "news":
                out.extend(a["title"] for a in message["news"]["articles"])
            elif message.get("msgtype") == "text":
                out.append(message["text"]["content"])
        return out

    # -- the server ----------------------------------------------------------------------------------
    def start(self, port: int = 0) -> str:
        """Serve on a loopback port (a free one by default); returns the base URL for WECHAT_API_BASE_URL."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart

            def log_message(self, *args: object) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                fake.connections.add(self.connection)

            def finish(self) -> None:
                fake.connections.discard(self.connection)
                super().finish()

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def _serve(self, method: str) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw.decode()) if raw else None
                except ValueError:
                    body = None
                answer = fake.handle(method, url.path, query, body)
                if answer is DROP:
                    self.close_connection = True
                    self.connection.close()
                    return
                status, kind = 200, "application/json; charset=utf-8"
                if isinstance(answer, Raw):
                    time.sleep(answer.delay)
                    status, answer = answer.status, answer.body
                if isinstance(answer, str):
                    data, kind = answer.encode(), "text/html"
                else:
                    data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                if not isinstance(sys.exc_info()[1], ConnectionError):  # a killed worker's socket is expected
                    super().handle_error(request, client_address)

        self.server = Server(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        """Stop serving (the port refuses connections until `start(port)` again)."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        for connection in list(self.connections):
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the client

    # -- the rules -----------------------------------------------------------------------------------
    def handle(self, method: str, path: str, query: dict[str, str], body: Any) -> Any:
        with self.lock:
            answer = self._answer(path, query, body)
            code = answer_code(answer)
            self.counts[path] += 1
            moment = time.time()
            self.span.setdefault(path, [moment, moment])[1] = moment
            if self.record:
                self.calls.append(Call(method, path, query, body, code))
        if path.endswith("token") and self.token_delay:
            time.sleep(self.token_delay)  # widen the window in which concurrent refreshes would collide
        return answer

    def _answer(self, path: str, query: dict[str, str], body: Any) -> Any:
        openid = body.get("touser") if isinstance(body, dict) else None
        if path in ("/cgi-bin/token", "/cgi-bin/stable_token"):
            injected = self._take_injected(path, None)
            if isinstance(injected, int):
                return _error(injected)
            if isinstance(injected, str) and injected.startswith("http:") and not injected.endswith("+"):
                return Raw(int(injected[5:]), f"<html><body>{injected[5:]} error</body></html>")
            answer = self._token(query) if path == "/cgi-bin/token" else self._stable(body)
            return self._wrap(injected, answer)
        expires = self.tokens.get(query.get("access_token", ""))
        if expires is None:
            return _error(40001)
        if expires < self.now():
            return _error(42001)
        injected = self._take_injected(path, openid)
        if isinstance(injected, int):
            return _error(injected)
        if isinstance(injected, str) and injected.startswith("http:") and not injected.endswith("+"):
            return Raw(int(injected[5:]), f"<html><body>{injected[5:]} error</body></html>")  # not carried out
        routes = {"/cgi-bin/message/custom/send": self._custom_send, "/cgi-bin/message/mass/sendall": self._mass,
                  "/cgi-bin/tags/create": self._tag_create, "/cgi-bin/tags/get": self._tags_get,
                  "/cgi-bin/tags/members/batchtagging": self._tagging,
                  "/cgi-bin/tags/members/batchuntagging": self._untagging,
                  "/cgi-bin/tags/getidlist": self._tag_ids, "/cgi-bin/menu/create": self._menu_create}
        route = routes.get(path)
        answer = route(body or {}) if route else {"errcode": 404, "errmsg": f"fake has no {path}"}
        return self._wrap(injected, answer)

    @staticmethod
    def _wrap(injected: int | str | None, answer: Any) -> Any:
        """The answer of a call carried out, as an injected fault delivers it (dropped, late, an error status)."""
        if injected == DROP:
            return DROP
        if isinstance(injected, str) and injected.startswith("slow:"):
            return Raw(200, answer, float(injected[5:]))
        if isinstance(injected, str) and injected.startswith("http:"):
            return Raw(int(injected[5:].rstrip("+")), "<html><body>gateway error</body></html>")
        return answer

    def _take_injected(self, path: str, openid: str | None) -> int | str | None:
        for entry in self.injected:
            suffix, code, times, who = entry
            if times > 0 and path.endswith(suffix) and (who is None or who == openid):
                entry[2] -= 1
                return code
        return None

    def _token(self, query: dict[str, str]) -> dict:
        if query.get("appid") != self.appid:
            return _error(40013)
        if query.get("secret") != self.secret:
            return _error(40125)
        if self.token_fetches[self.day()] >= TOKEN_FETCHES_PER_DAY:
            return _error(45009)
        self.token_fetches[self.day()] += 1
        for old in self.ordinary_tokens:  # the earlier tokens stop working a few minutes from now
            if old in self.tokens:
                self.tokens[old] = min(self.tokens[old], self.now() + OLD_TOKEN_GRACE)
        token = f"FAKETOKEN{next(self._ids)}"
        self.tokens[token] = self.now() + 7200
        self.ordinary_tokens.add(token)
        return {"access_token": token, "expires_in": 7200}

    def _stable(self, body: Any) -> dict:
        """POST /cgi-bin/stable_token: the token in force (normal mode), or a new one replacing it (forced)."""
        body = body if isinstance(body, dict) else {}
        if body.get("grant_type") != "client_credential":
            return _error(40002)
        if body.get("appid") != self.appid:
            return _error(40013)
        if body.get("secret") != self.secret:
            return _error(40125)
        current = self.stable_token
        expires = self.tokens.get(current or "", 0.0)
        if body.get("force_refresh") is True:
            if self.stable_forced[self.day()] >= STABLE_FORCE_PER_DAY:
                return _error(45009)
            self.stable_forced[self.day()] += 1
            self.tokens.pop(current or "", None)
        elif current is not None and expires > self.now():
            return {"access_token": current, "expires_in": int(expires - self.now())}
        token = f"STABLETOKEN{next(self._ids)}"
        self.tokens[token] = self.now() + 7200
        self.stable_token = token
        return {"access_token": token, "expires_in": 7200}

    def _custom_send(self, body: dict) -> dict:
        openid = body.get("touser", "")
        follower = self.followers.get(openid)
        if follower is None:
            return _error(40003)
        if not follower.following:
            return _error(43004)
        if body.get("msgtype") == "news" and len(body.get("news", {}).get("articles", [])) != 1:
            return _error(45008)
        if self.enforce:
            now = self.now()
            long_open = now - follower.wrote_at < LONG_WINDOW
            short_open = now - follower.acted_at < SHORT_WINDOW
            if long_open and follower.long_sent < LONG_COUNT:
                follower.long_sent += 1
            elif short_open and follower.short_sent < SHORT_COUNT:
                follower.short_sent += 1
            else:
                return _error(45047 if long_open or short_open else 45015)
        self.received[openid].append(body)
        return {"errcode": 0, "errmsg": "ok"}

    def _mass(self, body: dict) -> dict:
        client_msg_id = str(body.get("clientmsgid") or "")
        if client_msg_id and client_msg_id in self.clientmsgids:
            return _error(45065)
        if self.mass_sent[self.day()] >= self.mass_quota:
            return _error(45009)
        tag_id = (body.get("filter") or {}).get("tag_id")
        if tag_id not in self.tags:
            return {"errcode": 40050, "errmsg": "invalid tag id"}
        self.mass_sent[self.day()] += 1
        if client_msg_id:
            self.clientmsgids.add(client_msg_id)
        for openid, follower in self.followers.items():
            if follower.following and tag_id in follower.tags:
                self.received[openid].append(body)
        msg_id = next(self._ids)
        return {"errcode": 0, "errmsg": "send job submission success", "msg_id": msg_id, "msg_data_id": msg_id}

    def _tag_create(self, body: dict) -> dict:
        name = str((body.get("tag") or {}).get("name") or "")
        if not name or len(name.encode()) > 30:
            return {"errcode": 45158, "errmsg": "tag name too long"}
        if name in self.tags.values():
            return {"errcode": 45157, "errmsg": "invalid tag name"}
        if len(self.tags) >= 100:
            return {"errcode": 45056, "errmsg": "too many tags"}
        tag_id = next(self._ids)
        self.tags[tag_id] = name
        return {"tag": {"id": tag_id, "name": name}}

    def _tags_get(self, body: dict) -> dict:
        return {"tags": [{"id": i, "name": n, "count": sum(i in f.tags for f in self.followers.values())}
                         for i, n in self.tags.items()]}

    def _tagging(self, body: dict) -> dict:
        tag_id = body.get("tagid")
        if tag_id not in self.tags:
            return {"errcode": 45159, "errmsg": "invalid tag id"}
        people = [self.followers.setdefault(o, Follower()) for o in body.get("openid_list", [])]
        if any(len(f.tags | {tag_id}) > 20 for f in people):
            return {"errcode": 45059, "errmsg": "a follower has too many tags"}
        for follower in people:
            follower.tags.add(tag_id)
        return {"errcode": 0, "errmsg": "ok"}

    def _untagging(self, body: dict) -> dict:
        for openid in body.get("openid_list", []):
            self.followers.setdefault(openid, Follower()).tags.discard(body.get("tagid"))
        return {"errcode": 0, "errmsg": "ok"}

    def _tag_ids(self, body: dict) -> dict:
        follower = self.followers.get(body.get("openid", ""))
        return {"tagid_list": sorted(follower.tags) if follower else []}

    def _menu_create(self, body: dict) -> dict:
        buttons = body.get("button")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            return {"errcode": 40016, "errmsg": "invalid button size"}
        for button in buttons:
            subs = button.get("sub_button")
            if subs is not None and not 1 <= len(subs) <= 5:
                return {"errcode": 40023, "errmsg": "invalid sub button size"}
            for item in subs or [button]:
                if len(item.get("name", "").encode()) > (16 if item is button else 60) or not item.get("name"):
                    return {"errcode": 40018, "errmsg": "invalid button name size"}
                if item.get("type") == "click" and not item.get("key"):
                    return {"errcode": 40019, "errmsg": "invalid button key size"}
                if item.get("type") == "view" and not item.get("url"):
                    return {"errcode": 40055, "errmsg": "invalid button url domain"}
                if item.get("type") not in ("click", "view"):
                    return {"errcode": 40017, "errmsg": "invalid button type"}
        self.menu = body
        return {"errcode": 0, "errmsg": "ok"}


def answer_code(answer: Any) -> int | str:
    """What a call is recorded as answering: its errcode, "http:NNN" for a non-JSON answer, or DROP."""
    if isinstance(answer, dict):
        return answer.get("errcode", 0)
    if isinstance(answer, Raw):
        return answer.body.get("errcode", 0) if isinstance(answer.body, dict) else f"http:{answer.status}"
    return DROP


def _error(code: int) -> dict:
    return {"errcode": code, "errmsg": MESSAGES.get(code, "error")}
