"""Whole pages kept for their next reader, served again while nothing they show has changed.

A view marked `@cached_page` is rendered once per person, address, language, time zone and clock
window (PAGE_CACHE_SECONDS, 30 s by default), and kept with the versions of every table its request
read (mobility/core/data_versions.py). A later GET with the same key is answered from the copy only if
none of those tables has been written since; otherwise the view runs again. So a page is never older
than the data it shows; it only lags the clock (a deadline passing) by at most one window.

What each reader must get fresh is left out of the copy: the CSRF token (a marker the copy carries
instead, replaced with this session's token), and any page with messages waiting to be shown, or that
wrote to the database, set a cookie or answered anything but 200 HTML, is neither kept nor served from a
copy.
Access rules and the sign-in check run before the view as always; the copy is only a faster view body.
The entries live in the app's cache (mobility/core/cache.py: Redis when CACHE_REDIS_URL is set).
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, wraps
from pathlib import Path

from flask import Flask, current_app, g, get_flashed_messages, make_response, request, session
from flask_babel import get_locale, get_timezone
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from mobility.core import data_versions
from mobility.db import utcnow

CSRF_FIELD = "csrf_token"  # Flask-WTF keeps the request's token in g under the field's name
CSRF_MARKER = b"csrf-token-for-this-reader-6d1f0c"  # plain letters: no escaping changes them
# Read by every signed-in request, shown by no kept page: whether the session is still valid is checked
# before each request anyway (accounts/sessions.py), so a sign-in elsewhere need not render pages anew.
NOT_SHOWN = frozenset({"user_session"})
_RELEASE = ""  # set by init_app()


@dataclass(frozen=True)
class Page:
    versions: tuple[tuple[str, int], ...]  # (table, version) for every table the render read
    body: bytes  # as sent: a copy served again is neither decoded nor encoded
    mimetype: str


def cached_page(view: Callable) -> Callable:
    view.mobility_page_cache = True  # seen by _prepare, which runs before the access checks

    @wraps(view)
    def serve(*args, **kwargs):
        versions = data_versions.at_start()
        if versions is None or not g.get("mobility_page_cache_usable"):
            return view(*args, **kwargs)  # not a GET, messages waiting, or the cache is off
        store = current_app.extensions["mobility_cache"]
        key = _key()
        kept: Page | None = store.get(key)
        if kept is not None and all(versions.get(table, 0) == n for table, n in kept.versions):
            return _with_token(current_app.response_class(kept.body, mimetype=kept.mimetype))
        setattr(g, CSRF_FIELD, CSRF_MARKER.decode())
        try:
            response = make_response(view(*args, **kwargs))
        finally:
            g.pop(CSRF_FIELD, None)
        if _keepable(response):
            read = data_versions.tables_read() - NOT_SHOWN
            page = Page(tuple(sorted((table, versions.get(table, 0)) for table in read)),
                        response.get_data(), response.mimetype)
            store.set(key, page, timeout=2 * current_app.config["PAGE_CACHE_SECONDS"])
        return _with_token(response)

    return serve


def _prepare() -> None:
    """First before_request hook, so the versions are read before anything else (data_versions.begin_request).
    They are read for every GET of a marked view: the ranking's and the dashboard's own caches and the
    signed-in check use them even when the page itself is not taken from a copy."""
    view = current_app.view_functions.get(request.endpoint or "")
    if request.method != "GET" or not getattr(view, "mobility_page_cache", False):
        return
    data_versions.begin_request()
    g.mobility_page_cache_usable = bool(current_app.config["PAGE_CACHE_SECONDS"]) and not session.get("_flashes")


def _key() -> str:
    window = int(utcnow().timestamp()) // current_app.config["PAGE_CACHE_SECONDS"]
    who = current_user.get_id() if current_user.is_authenticated else "-"
    parts = (_RELEASE, request.host_url, request.full_path, who, str(get_locale()), str(get_timezone()), window)
    return f"page:{request.endpoint}:{hashlib.sha256(repr(parts).encode()).hexdigest()}"


def _keepable(response) -> bool:
    # A copy keeps the body alone: a page whose view set a cookie of its own is not kept.
    return (response.status_code == 200 and response.mimetype == "text/html" and not response.is_streamed
            and "Set-Cookie" not in response.headers and not data_versions.request_wrote() and not _messages())


def _messages() -> bool:
    """Whether the page showed messages, or some wait for the next page (and must stay waiting: asking
    Flask for them would take them)."""
    return bool(session.get("_flashes") or get_flashed_messages())


def _with_token(response):
    if response.is_streamed:
        return response
    body = response.get_data()
    if CSRF_MARKER in body:
        response.set_data(body.replace(CSRF_MARKER, generate_csrf().encode()))
    return response


def init_app(app: Flask) -> None:
    global _RELEASE
    _RELEASE = _release(Path(app.root_path), Path(app.config["BABEL_TRANSLATION_DIRECTORIES"]))
    app.before_request_funcs.setdefault(None, []).insert(0, _prepare)


@lru_cache(maxsize=None)  # once per process, however many apps it makes (the tests make many)
def _release(*roots: Path) -> str:
    """A digest of the code, templates and compiled translations: another release renders its pages anew
    at once, even with the previous release's copies still in Redis; machines running the same release
    share them. (About 20 ms, once per process.)"""
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.suffix in {".py", ".html", ".mo"}):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
