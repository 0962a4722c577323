"""One unit of work per request, as Indico's `RH.process`: a view loads, checks, calls services and returns.

- The request commits once, after the view has returned, or rolls back when it ended in an error
  (an unhandled exception, an `abort()`, a refused domain rule). Services `flush()` and never commit.
- A `DomainError` becomes what the person reads in one place: `attempt()` puts it on the form that is shown
  again with what was typed (or flashes it); one that no view expected is flashed on the page the person
  came from, or answered as a 422 problem by the API (both in core/errors.py).
- GET, HEAD and OPTIONS never write: their transaction is rolled back, never committed, and under test a
  write statement in one of them fails the test (`READ_ONLY_REQUESTS_FAIL_ON_WRITE`).
- What must follow a commit (queued mail, in-process jobs) is registered with `after_commit()` and runs
  once the commit succeeded, each in a unit of work of its own.
Jobs and CLI commands have the same single boundary: `finish()` commits (or rolls back) their work once.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar, final

from flask import Flask, current_app, flash, g, has_app_context, request
from flask_wtf import FlaskForm
from sqlalchemy import event
from sqlalchemy.engine import Engine

from mobility.core.errors import FAILED_MARK, DomainError, put_on_form
from mobility.extensions import db

T = TypeVar("T")
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITES = ("INSERT", "UPDATE", "DELETE", "COPY", "MERGE")
# Bookkeeping that a read may do in a transaction of its own (the coarse time a token was last used): an
# engine connection opened with this execution option is allowed to write during a GET.
BOOKKEEPING = "mobility_bookkeeping"
_READING = "mobility_read_only_request"
_HOOKS = "mobility.after_commit"
_VIOLATIONS = "mobility.writes_on_read"


class WriteOnRead(RuntimeError):
    """A GET or HEAD tried to write to the database."""


@final  # no subclass may be falsy: a truth test tells Done from Refused (for mypy too)
@dataclass(frozen=True)
class Done(Generic[T]):
    """What a service returned when `attempt()` let it through (always truthy, even for a None value)."""

    value: T


@dataclass(frozen=True)
class Refused:
    """What `attempt()` returns when a rule refused the service: falsy, and carrying the refusal, for a view
    whose answer depends on it (a file too large is a 413)."""

    error: DomainError

    def __bool__(self) -> Literal[False]:
        return False


def attempt(target: FlaskForm | None, service: Callable[..., T], /, *args: Any,
            **kwargs: Any) -> Done[T] | Refused:
    """Call `service(*args, **kwargs)`. If a rule of the domain refuses it, the request's unit of work is
    rolled back and the refusal is shown: on `target`'s field (or the form as a whole), or flashed when
    there is no form. Returns Done(result), or Refused(error)."""
    try:
        return Done(service(*args, **kwargs))
    except DomainError as error:
        db.session.rollback()  # what the view does next (show the form again) starts from what is stored
        return _shown(target, error)


def attempt_keeping(target: FlaskForm | None, service: Callable[..., T], /, *args: Any,
                    **kwargs: Any) -> Done[T] | Refused:
    """Like `attempt()`, but a refusal keeps what the service recorded before refusing (the audit entry of
    a failed sign-in): the request's unit of work is still committed at its end."""
    try:
        return Done(service(*args, **kwargs))
    except DomainError as error:
        return _shown(target, error)


def _shown(target: FlaskForm | None, error: DomainError) -> Refused:
    if target is not None:
        put_on_form(target, error)
    else:
        flash(str(error.message), "error")
    return Refused(error)


def after_commit(app: Flask, hook: Callable[[], None]) -> None:
    """Run `hook()` after each request (or job, or command) whose unit of work was committed."""
    hooks = app.extensions.setdefault(_HOOKS, [])
    if hook not in hooks:
        hooks.append(hook)


def finish(*, commit: bool = True) -> None:
    """End a unit of work: commit (or roll back), then run what follows a commit. Used by the request
    lifecycle below, by jobs and by CLI commands."""
    if commit:
        db.session.commit()
        run_after_commit()
    else:
        db.session.rollback()


def run_after_commit() -> None:
    """What follows a commit (mail delivery, queued jobs); for a caller that committed in steps."""
    for hook in current_app.extensions.get(_HOOKS, []):
        hook()


def _begin_request() -> None:
    setattr(g, _READING, request.method in READ_ONLY_METHODS)


def _end_request(response):
    read_only = g.pop(_READING, request.method in READ_ONLY_METHODS)
    finish(commit=not read_only and not g.pop(FAILED_MARK, False))
    return response


def _refuse_write_on_read(conn, cursor, statement: str, parameters, context, executemany) -> None:
    # Only requests being served: a background job or a test's set-up runs in a request context of its own
    # (no before_request ran there), and writes in its own unit of work.
    if not has_app_context() or not g.get(_READING):
        return
    if not statement.lstrip().upper().startswith(WRITES) or conn.get_execution_options().get(BOOKKEEPING):
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # LocalProxy method
    if not app.config.get("READ_ONLY_REQUESTS_FAIL_ON_WRITE"):
        return  # the request's transaction is rolled back at its end whatever it did
    app.extensions.setdefault(_VIOLATIONS, []).append(f"{request.method} {request.path}: {statement[:120]}")
    raise WriteOnRead(f"{request.method} {request.path} tried to write: {statement[:120]}")


def writes_on_read(app: Flask) -> list[str]:
    """The write statements read-only requests tried (tests fail on any: tests/conftest.py)."""
    return app.extensions.setdefault(_VIOLATIONS, [])


def init_app(app: Flask) -> None:
    # Registered first among the after_request functions, so it runs last: after every other hook has
    # seen the response, the work is committed, then what follows a commit runs.
    app.before_request_funcs.setdefault(None, []).insert(0, _begin_request)
    app.after_request_funcs.setdefault(None, []).insert(0, _end_request)
    if not event.contains(Engine, "before_cursor_execute", _refuse_write_on_read):
        event.listen(Engine, "before_cursor_execute", _refuse_write_on_read)
