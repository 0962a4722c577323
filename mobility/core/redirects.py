"""Only same-site redirects: `next=` can never send a user to another host."""
from __future__ import annotations

from typing import TypeGuard
from urllib.parse import urlsplit

from flask import request, url_for


def is_safe_path(target: str | None) -> TypeGuard[str]:
    if not target or not isinstance(target, str):
        return False
    if any(ch in target for ch in "\\\r\n\t") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/")


def safe_next_url(target: str | None, default_endpoint: str = "home.index") -> str:
    return target if is_safe_path(target) else url_for(default_endpoint)


def same_site_referrer() -> str | None:
    """The page the request came from, as a path on this site (None for another site or none at all)."""
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc and parts.netloc != request.host:
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path if is_safe_path(path) else None


def link_args(*names: str) -> dict[str, str]:
    """The query arguments a page passes on to its own links: only the `names` it knows (its filter fields),
    non-empty — never url_for's own keywords (`_method`, `_external`, …) nor a route's own arguments."""
    return {k: v for k, v in request.args.items() if k in names and v and not k.startswith("_")}


def form_link_args(form, *, exclude: tuple[str, ...] = ("page",)) -> dict[str, str]:
    """link_args() for the fields of a GET filter form."""
    return link_args(*(f.name for f in form if f.name not in exclude and f.name != "csrf_token"))
