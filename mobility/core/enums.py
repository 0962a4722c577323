"""Enums whose members have a translatable title for display."""
from __future__ import annotations

import enum

from flask_babel import LazyString

from mobility.core.text import request_text


class TitledEnum(str, enum.Enum):
    """A string enum; subclasses define `_titles()` returning {member: lazy title}."""

    @classmethod
    def _titles(cls) -> dict[TitledEnum, LazyString]:
        return {}

    @property
    def title(self) -> str:  # type: ignore[override]  # the member's display title hides str.title()
        # Long lists ask for a title per row: each class's titles are translated once per locale, and the
        # request finds its locale's titles once (mobility/core/text.py).
        by_class = request_text().titles
        titles = by_class.get(type(self))
        if titles is None:
            titles = by_class[type(self)] = {m: str(t) for m, t in self._titles().items()}
        return titles.get(self, self.value)

    @classmethod
    def choices(cls) -> list[tuple[str, LazyString | str]]:
        titles = cls._titles()
        return [(m.value, titles.get(m, m.value)) for m in cls]

    def __str__(self) -> str:
        return self.value
