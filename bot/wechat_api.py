"""The outbound WeChat API client: wechatpy's WeChatClient, its token shared in Redis and refreshed under a lock."""
from __future__ import annotations

import threading
import time

import redis
import requests
from requests.adapters import HTTPAdapter
from wechatpy import WeChatClient
from wechatpy.session.redisstorage import RedisStorage

from bot.config import DEFAULT_API_BASE, Config
from bot.store import Store

LOCK_TIMEOUT = 30  # seconds a refresher may hold the lock (a token fetch takes well under a second)
LOCK_WAIT = 35  # seconds a process waits for another's refresh before giving up
REQUEST_TIMEOUT = (3.05, 10)  # connect, read
CACHE_SECONDS = 30  # how long a process reuses the token it read from Redis


class RewriteAdapter(HTTPAdapter):
    """Sends requests for https://api.weixin.qq.com to WECHAT_API_BASE_URL (a fake server in tests).

    wechatpy builds some URLs (the token, customer service) absolutely, so overriding its API_BASE_URL is not
    enough: the rewrite happens on the session, for every call it makes.
    """

    def __init__(self, target: str, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.target = target.rstrip("/")

    def send(self, request: requests.PreparedRequest, *args: object, **kwargs: object) -> requests.Response:
        if request.url and request.url.startswith(DEFAULT_API_BASE):
            request.url = self.target + request.url[len(DEFAULT_API_BASE):]
        return super().send(request, *args, **kwargs)


class SharedTokenClient(WeChatClient):
    """A WeChatClient whose access_token lives in Redis and is fetched by one process at a time.

    wechatpy refreshes without any lock, so every process that sees a missing, expiring or rejected (40001)
    token would fetch its own, and each fetch counts against the 2,000-a-day limit. Here the fetch runs under a
    Redis lock, and a process that waited for the lock first looks whether the token changed meanwhile.
    """

    def __init__(self, appid: str, secret: str, *, redis_client: redis.Redis, prefix: str, lock_key: str,
                 timeout: object = REQUEST_TIMEOUT) -> None:
        super().__init__(appid, secret, session=RedisStorage(redis_client, prefix=prefix), timeout=timeout)
        self._redis = redis_client
        self._lock_key = lock_key
        self._seen = threading.local()  # the token this thread last used or found stale
        self._cached: tuple[str, float] | None = None  # (token, until): saves two Redis reads per call

    @property
    def access_token(self) -> str:
        cached = self._cached
        if cached is not None and time.time() < cached[1]:
            token = cached[0]
        else:
            token = super().access_token
            expires_at = self.expires_at or 0
            # Re-read from Redis at least every CACHE_SECONDS: another process may have refreshed it. A
            # rejected token (40001) goes through fetch_access_token, which looks in Redis first anyway.
            self._cached = (token, min(time.time() + CACHE_SECONDS, expires_at - 120))
        self._seen.token = token
        return token

    def fetch_access_token(self) -> dict:
        """Fetch a new token unless another process did so while this one waited for the lock."""
        stale = getattr(self._seen, "token", None)
        lock = self._redis.lock(self._lock_key, timeout=LOCK_TIMEOUT, blocking_timeout=LOCK_WAIT)
        if not lock.acquire():
            raise TimeoutError("another process has been refreshing the WeChat access_token for too long")
        try:
            current = self.session.get(self.access_token_key)
            expires_at = self.expires_at or 0
            if current and current != stale and expires_at - time.time() > 60:
                self._seen.token, self._cached = current, None
                return {"access_token": current, "expires_in": int(expires_at - time.time())}
            self._cached = None
            result = self._fetch_access_token(
                url=f"{DEFAULT_API_BASE}/cgi-bin/token",
                params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
            )
            self._seen.token = result["access_token"]
            return result
        finally:
            try:
                lock.release()
            except redis.exceptions.LockError:
                pass  # held longer than LOCK_TIMEOUT: it expired by itself


def make_client(config: Config, store: Store, *, redis_client: redis.Redis | None = None) -> SharedTokenClient:
    """The client a worker uses; its token is shared through `store` (or `redis_client`) with every process."""
    if not config.app_secret:
        raise ValueError("WECHAT_APP_SECRET is not set: the AppSecret (开发者密码) is needed to call the WeChat API")
    client = SharedTokenClient(config.app_id, config.app_secret, redis_client=redis_client or store.redis,
                               prefix=store.keys.token_prefix, lock_key=store.keys.token_lock)
    if config.api_base_url.rstrip("/") != DEFAULT_API_BASE:
        client._http.mount(DEFAULT_API_BASE, RewriteAdapter(config.api_base_url))  # wechatpy is pinned: _http
    return client
