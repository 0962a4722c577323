"""One page of a list, with what the `pager` macro (core/templates/macros.html) reads."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Sequence, TypeVar

T = TypeVar("T")


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
