"""Page + size pagination with totals and links, for select() statements."""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from flask import request, url_for
from sqlalchemy import Select, func, select

from mobility.extensions import db


def _link(page: int, size: int, known: dict) -> str:
    # Only the query arguments the endpoint parsed (its filters) go on: never url_for's own keywords
    # (`_method`, `_external`) nor a route argument given again in the query.
    args: dict[str, Any] = {k: v for k, v in request.args.items()
                            if k in known and k not in ("page", "size") and not k.startswith("_")
                            and k not in (request.view_args or {})}
    assert request.endpoint is not None  # links are made while a view answers
    return url_for(request.endpoint, **(request.view_args or {}), **args, page=page, size=size)


def paginate(stmt: Select, args: dict, present: Callable, *, rows: bool = False) -> dict:
    """One page of `stmt`, each item passed through `present`. `rows`: items are tuples, not entities."""
    page, size = args["page"], args["size"]
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    sliced = stmt.limit(size).offset((page - 1) * size)
    result = db.session.execute(sliced)
    items = [present(*row) for row in result] if rows else [present(item) for item in result.scalars()]
    return _envelope(items, page, size, total or 0, args)


def paginate_list(values: list, args: dict) -> dict:
    """One page of a list computed in full (a small table of aggregates)."""
    page, size = args["page"], args["size"]
    return _envelope(values[(page - 1) * size:page * size], page, size, len(values), args)


def _envelope(items: list, page: int, size: int, total: int, args: dict) -> dict:
    pages = max(math.ceil(total / size), 1)
    return {
        "items": items, "page": page, "size": size, "total": total, "pages": pages,
        "links": {"self": _link(page, size, args), "first": _link(1, size, args), "last": _link(pages, size, args),
                  "next": _link(page + 1, size, args) if page < pages else None,
                  "prev": _link(min(page - 1, pages), size, args) if page > 1 else None},
    }
