"""Scheduled article pushes: fan-out as RQ jobs, a delivery ledger in Redis, WeChat's sending limits respected."""
from __future__ import annotations
