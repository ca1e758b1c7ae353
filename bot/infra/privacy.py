"""Followers' openids are personal data: logs, reports and the console name a follower by a short hash."""
from __future__ import annotations

import hashlib


def hash_openid(openid: str) -> str:
    """Staff see who asked again without seeing the follower's openid."""
    return hashlib.sha256(openid.encode()).hexdigest()[:10]
