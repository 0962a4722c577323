"""Only same-site redirects: `next=` can never send a user to another host."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import url_for


def is_safe_path(target: str | None) -> bool:
    if not target or not isinstance(target, str):
        return False
    if any(ch in target for ch in "\\\r\n\t") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/")


def safe_next_url(target: str | None, default_endpoint: str = "core.index") -> str:
    return target if is_safe_path(target) else url_for(default_endpoint)
