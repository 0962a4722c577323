from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from mobility.cities.enums import Programme, Side
from mobility.db import enum_column
from mobility.extensions import db


class City(db.Model):
    """A city that holds (or held) a culture-city title: an ECoC in Europe or a CCEA in East Asia."""

    __tablename__ = "city"
    __table_args__ = (sa.UniqueConstraint("programme", "title_year", "name_en"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme: Mapped[Programme] = mapped_column(enum_column(Programme), nullable=False)
    side: Mapped[Side] = mapped_column(enum_column(Side), nullable=False)
    title_year: Mapped[int] = mapped_column(nullable=False)
    name_en: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    name_local: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    country: Mapped[str] = mapped_column(sa.String(2), nullable=False)  # ISO 3166-1 alpha-2
    # Degrees, two decimals: enough for great-circle distance bands.
    latitude: Mapped[Decimal] = mapped_column(sa.Numeric(7, 4), nullable=False)
    longitude: Mapped[Decimal] = mapped_column(sa.Numeric(7, 4), nullable=False)
    note: Mapped[str] = mapped_column(sa.String(300), default="", nullable=False)

    @property
    def local_lang(self) -> str | None:
        """BCP 47 tag of the local name, so East Asian names get the right glyph shapes."""
        return {"CN": "zh-Hans", "JP": "ja", "KR": "ko"}.get(self.country)

    def __repr__(self) -> str:
        return f"<City {self.name_en} {self.programme.value} {self.title_year}>"
