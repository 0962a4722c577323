"""One page of a list, with what the `pager` macro (core/templates/macros.html) reads."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Sequence, TypeVar

from flask import request
from werkzeug.routing import IntegerConverter

T = TypeVar("T")

# The largest id or page number a query may carry: an INTEGER column's. Beyond it a database refuses the
# parameter itself (a server error), so query arguments and form choices are kept inside it.
MAX_INT = 2**31 - 1


class RouteInteger(IntegerConverter):
    """`<int:x>` in every route: at most MAX_INT. A larger number matches no route (a 404), where the view
    would otherwise hand it to the database and fail (PostgreSQL: "integer out of range")."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


def page_arg(name: str = "page") -> int:
    """The page a query argument asks for: 1 when missing, not a number or below 1; at most MAX_INT."""
    return min(max(request.args.get(name, 1, type=int) or 1, 1), MAX_INT)


def id_or_none(value) -> int | None:
    """A form's choice of a row (coerce=): None when empty, not a number or outside any id — never an error,
    so a forged choice finds nothing instead of failing."""
    if value in (None, "", "None"):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_INT else None


@dataclass(frozen=True)
class ListPage(Generic[T]):
    items: Sequence[T]
    page: int
    per_page: int
    total: int

    @classmethod
    def of(cls, rows: Sequence[T], page: int, per_page: int) -> ListPage[T]:
        """The page asked for, or the last one when it is past the end."""
        page = existing_page(page, per_page, len(rows))
        start = (page - 1) * per_page
        return cls(items=rows[start:start + per_page], page=page, per_page=per_page, total=len(rows))

    @property
    def pages(self) -> int:
        return _page_count(self.total, self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def existing_page(page: int, per_page: int, total: int) -> int:
    """`page`, or the nearest page that exists in a list of `total` items."""
    return min(max(page, 1), _page_count(total, per_page))


def _page_count(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))  # an empty list still has its one (empty) page
