"""Enums whose members have a translatable title for display."""
from __future__ import annotations

import enum

from flask_babel import LazyString


_TITLES: dict[type, dict] = {}


class TitledEnum(str, enum.Enum):
    """A string enum; subclasses define `_titles()` returning {member: lazy title}."""

    @classmethod
    def _titles(cls) -> dict[TitledEnum, LazyString]:
        return {}

    @property
    def title(self) -> str:
        # The titles are lazy strings: one table per class serves every locale (long lists ask per row).
        titles = _TITLES.get(type(self))
        if titles is None:
            titles = _TITLES[type(self)] = self._titles()
        return str(titles.get(self, self.value))

    @classmethod
    def choices(cls) -> list[tuple[str, LazyString | str]]:
        titles = cls._titles()
        return [(m.value, titles.get(m, m.value)) for m in cls]

    def __str__(self) -> str:
        return self.value
