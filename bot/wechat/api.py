"""The outbound WeChat API client: wechatpy's WeChatClient, its token shared in Redis and refreshed under a lock.

Every call to WeChat goes through `SharedTokenClient._send`: a network failure or a bare HTTP error status comes
out as a WeChatCallError (bot/wechat_api_errors.py) whose text holds no secret, never as a requests exception.
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

import redis
import requests
import urllib3
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.redisstorage import RedisStorage

from bot.infra.config import DEFAULT_API_BASE, Config
from bot.infra.store import Store
from bot.wechat.api_errors import TokenUnavailable, WeChatCallError, http_error, network_error, redact
from bot.wechat.http_session import WeChatSession

LOCK_TIMEOUT = 30  # seconds a refresher may hold the lock (a token fetch takes well under a second)
LOCK_WAIT = 35  # seconds a process waits for another's refresh before giving up
REQUEST_TIMEOUT = (3.05, 10)  # connect, read
CACHE_SECONDS = 30  # how long a process reuses the token it read from Redis
# The stable-token endpoint hands out the token in force until it expires, so a token is used until a few
# seconds before its end (wechatpy fetches 60 s early, which would only get the same token back).
TOKEN_MARGIN = 5
STALE_TOKEN = {40001, 40014, 42001}  # invalid, malformed or expired access_token
# Seconds every process waits before fetching a token again after 1, 2, 3, 4+ failed or rejected refreshes.
TOKEN_BACKOFF = (5, 30, 120, 600)
STABLE_TOKEN_URL = f"{DEFAULT_API_BASE}/cgi-bin/stable_token"


def _errcode(response: requests.Response) -> int | None:
    """WeChat's errcode in a JSON answer, or None when the body is not a WeChat answer."""
    try:
        body = json.loads(response.content.decode("utf-8", "ignore"), strict=False)
    except ValueError:
        return None
    if not isinstance(body, dict) or "errcode" not in body:
        return None
    try:
        return int(body["errcode"])
    except (TypeError, ValueError):
        return None


class SharedTokenClient(WeChatClient):
    """A WeChatClient whose access_token lives in Redis and is fetched by one process at a time.

    wechatpy refreshes without any lock and once per stale-token answer, with no limit, so thirty 40001 answers
    cost thirty fetches, and each counts against a daily limit. Here a fetch runs under a Redis lock (a process
    that waited first looks whether the token changed meanwhile), a call refreshes at most once, and after a
    failed or rejected refresh every process backs off (a key in Redis) before the next fetch. Tokens come from
    the stable-token endpoint, whose normal mode hands out the token in force instead of invalidating it.
    """

    def __init__(self, appid: str, secret: str, *, redis_client: redis.Redis, prefix: str, lock_key: str,
                 backoff_key: str, failures_key: str, force_key: str, timeout: object = REQUEST_TIMEOUT,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(appid, secret, session=RedisStorage(redis_client, prefix=prefix), timeout=timeout,
                         auto_retry=False)  # our _request refreshes, once
        self._http = WeChatSession()  # wechatpy is pinned: its one requests.Session, with the environment read once
        self._redis = redis_client
        self._lock_key, self._backoff_key = lock_key, backoff_key
        self._failures_key, self._force_key = failures_key, force_key
        self._clock = clock  # for the back-off only (tests move it); token lifetimes follow Redis's own clock
        self._seen = threading.local()  # the token this thread last used or found stale
        self._cached: tuple[str, float] | None = None  # (token, until): saves two Redis reads per call
        # One refresh at a time in this process: threads that waited find the new token, or the back-off a
        # failed fetch set, instead of each fetching and counting a failure of its own (PUSH_SENDERS threads).
        self._refreshing = threading.Lock()

    @property
    def access_token(self) -> str:
        cached = self._cached
        if cached is not None and time.time() < cached[1]:
            token = cached[0]
        else:
            token = self.session.get(self.access_token_key)
            expires_at = self.expires_at or 0
            if not token or expires_at - time.time() <= TOKEN_MARGIN:
                self.fetch_access_token()
                token, expires_at = self.session.get(self.access_token_key), self.expires_at or 0
            # Re-read from Redis at least every CACHE_SECONDS: another process may have refreshed it. A
            # rejected token (40001) goes through _refresh, which looks in Redis first anyway.
            self._cached = (token, min(time.time() + CACHE_SECONDS, expires_at - TOKEN_MARGIN))
        self._seen.token = token
        return token

    @property
    def token_in_hand(self) -> bool:
        """True when `access_token` will answer from this process's cache, with no Redis read or fetch."""
        cached = self._cached
        return cached is not None and time.time() < cached[1]

    # -- the one place that talks to WeChat ----------------------------------------------------------------
    def _send(self, method: str, url: str, **kwargs: object) -> requests.Response:
        """Make the HTTP request; no WeChat answer raises a WeChatCallError (redacted, not chained)."""
        error: WeChatCallError
        try:
            response = self._http.request(method=method, url=url, **kwargs)
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            error = network_error(exc, method, url)
        else:
            if _errcode(response) is not None:
                return response  # WeChat answered (an errcode under an error status is still its answer)
            if response.status_code < 300 and not response.headers.get("Content-Type", "").startswith("text/html"):
                return response  # a plain result (a media file, a JSON result without errcode)
            error = http_error(response.status_code, method, url)
        raise error  # raised here, outside the except: the requests exception (its URL has the token) is dropped

    def _request(self, method, url_or_endpoint, **kwargs):
        """wechatpy's request, refreshing a rejected token at most once per call."""
        if url_or_endpoint.startswith(("http://", "https://")):
            url = url_or_endpoint
        else:
            url = f"{kwargs.pop('api_base_url', self.API_BASE_URL)}{url_or_endpoint}"
        params = kwargs.setdefault("params", {})
        own_token = isinstance(params, dict) and "access_token" not in params
        if isinstance(kwargs.get("data", ""), dict):
            kwargs["data"] = json.dumps(kwargs["data"], ensure_ascii=False).encode("utf-8")
        kwargs["timeout"] = kwargs.get("timeout", self.timeout)
        result_processor = kwargs.pop("result_processor", None)
        refreshed = False
        while True:
            if own_token:
                params["access_token"] = self.access_token
            response = self._send(method, url, **kwargs)
            if own_token and _errcode(response) in STALE_TOKEN:
                if refreshed:  # a token fetched a moment ago is refused too: stop, and make everyone wait
                    error = TokenUnavailable("WeChat refused a freshly fetched access_token (40001)",
                                             reason="token-rejected")
                    self._refresh_failed(error, force_next=True)
                    raise error
                self._refresh(rejected=params["access_token"])
                refreshed = True
                continue
            return self._handle_result(response, method, url, result_processor, **kwargs)

    # -- the token -----------------------------------------------------------------------------------------
    def _refresh_failed(self, error: Exception, *, force_next: bool = False) -> None:
        """Count a failed or rejected refresh and make every process wait before the next fetch."""
        pipe = self._redis.pipeline()
        pipe.incr(self._failures_key)
        pipe.expire(self._failures_key, 86400)
        failures = int(pipe.execute()[0])
        delay = TOKEN_BACKOFF[min(failures, len(TOKEN_BACKOFF)) - 1]
        self._redis.set(self._backoff_key, f"{self._clock() + delay:.3f} {redact(str(error))}", ex=delay + 60)
        if force_next:  # the token in force is refused: the next fetch asks WeChat for a new one
            self._redis.set(self._force_key, "1", ex=3600)

    def _fetch_stable(self, force: bool) -> dict:
        body = {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret,
                "force_refresh": force}
        response = self._send("post", STABLE_TOKEN_URL, data=json.dumps(body).encode(), timeout=self.timeout,
                              headers={"Content-Type": "application/json"})
        try:
            result = response.json()
        except ValueError:
            result = {}
        if result.get("errcode", 0) != 0 or "access_token" not in result:
            raise WeChatClientException(result.get("errcode"), result.get("errmsg", "no access_token"), client=self,
                                        request=response.request, response=response)
        expires_in = int(result.get("expires_in") or 7200)
        self.session.set(self.access_token_key, result["access_token"], expires_in)
        self.session.set(self.access_token_expires_at_key, int(time.time()) + expires_in, expires_in)
        return result

    def fetch_access_token(self) -> dict:
        """Fetch a token unless another process did so while this one waited for the lock, or refreshes back off."""
        return self._refresh(rejected=None)

    def _refresh(self, *, rejected: str | None) -> dict:
        """Get a token newer than `rejected` (the one WeChat just refused) or than the one this thread used."""
        with self._refreshing:
            return self._refresh_alone(rejected=rejected)

    def _refresh_alone(self, *, rejected: str | None) -> dict:
        stale = rejected or getattr(self._seen, "token", None)
        self._cached = None
        backoff = self._redis.get(self._backoff_key)
        if backoff is not None:
            until, _, why = backoff.decode().partition(" ")
            if float(until) > self._clock():
                raise TokenUnavailable(f"no access_token: refreshes wait {float(until) - self._clock():.0f} s more "
                                       f"after: {why}", reason="token-backoff")
        lock = self._redis.lock(self._lock_key, timeout=LOCK_TIMEOUT, blocking_timeout=LOCK_WAIT)
        if not lock.acquire():
            raise TokenUnavailable("another process has been refreshing the WeChat access_token for too long",
                                   reason="token-lock")
        try:
            current = self.session.get(self.access_token_key)
            expires_at = self.expires_at or 0
            if current and current != stale and expires_at - time.time() > TOKEN_MARGIN:
                self._seen.token, self._cached = current, None
                return {"access_token": current, "expires_in": int(expires_at - time.time())}
            self._cached = None
            force = bool(self._redis.delete(self._force_key))
            try:
                result = self._fetch_stable(force)
            except (WeChatCallError, WeChatClientException) as exc:
                self._refresh_failed(exc)
                raise
            if rejected is not None and result["access_token"] == rejected:
                # Normal mode handed back the token WeChat just refused: the next refresh forces a new one.
                error = TokenUnavailable("WeChat handed back the access_token it had just refused (40001)",
                                         reason="token-rejected")
                self._refresh_failed(error, force_next=True)
                raise error
            self._redis.delete(self._failures_key)
            self._seen.token = result["access_token"]
            return result
        finally:
            try:
                lock.release()
            except redis.exceptions.LockError:
                pass  # held longer than LOCK_TIMEOUT: it expired by itself


def make_client(config: Config, store: Store, *, redis_client: redis.Redis | None = None,
                timeout: object = REQUEST_TIMEOUT, clock: Callable[[], float] = time.time) -> SharedTokenClient:
    """The client a worker uses; its token is shared through `store` (or `redis_client`) with every process."""
    if not config.app_secret:
        raise ValueError("WECHAT_APP_SECRET is not set: the AppSecret (开发者密码) is needed to call the WeChat API")
    keys = store.keys
    client = SharedTokenClient(config.app_id, config.app_secret, redis_client=redis_client or store.redis,
                               prefix=keys.token_prefix, lock_key=keys.token_lock, backoff_key=keys.token_backoff,
                               failures_key=keys.token_failures, force_key=keys.token_force, timeout=timeout,
                               clock=clock)
    if config.api_base_url.rstrip("/") != DEFAULT_API_BASE:
        client._http.send_to(DEFAULT_API_BASE, config.api_base_url)  # wechatpy is pinned: _http
    return client
