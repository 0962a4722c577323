"""The page benchmark's yardstick: a fixed string through the app's whole request path.

Registered only when BENCH_ENDPOINT is on (bench/pages.py sets it for its gunicorn), so it is absent
from every other configuration, including the one tests/http/test_access_inventory.py walks: the
inventory lists what a real deployment serves, and this route is never part of one.
"""
from __future__ import annotations

from flask import Blueprint

from mobility.core.access import public

bp = Blueprint("bench", __name__)


@bp.get("/bench/minimal")
@public
def minimal():
    return "ok"
