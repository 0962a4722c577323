from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.mutable import MutableDict
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mobility.cities.enums import Programme, Side
from mobility.db import UTCDateTime, enum_column, utcnow
from mobility.extensions import Model
from mobility.i18n.content import current_locale, localized

# The UI locale in which a country's own name for its cities is the natural one.
HOME_LOCALE = {"CN": "zh_Hans", "JP": "ja", "KR": "ko"}
HTML_LANG_OF_COUNTRY = {"CN": "zh-Hans", "JP": "ja", "KR": "ko"}


class City(Model):
    """A city that holds (or held) a culture-city title: an ECoC in Europe or a CCEA in East Asia."""

    __tablename__ = "city"
    __table_args__ = (sa.UniqueConstraint("programme", "title_year", "name_en"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme: Mapped[Programme] = mapped_column(enum_column(Programme), nullable=False)
    side: Mapped[Side] = mapped_column(enum_column(Side), nullable=False)
    title_year: Mapped[int] = mapped_column(nullable=False)
    name_en: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    name_local: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    # Names in the UI languages other than English, where known: {"ja": "鎌倉", "ko": "가마쿠라"}.
    names: Mapped[dict] = mapped_column(MutableDict.as_mutable(sa.JSON), default=dict, nullable=False)
    country: Mapped[str] = mapped_column(sa.String(2), nullable=False)  # ISO 3166-1 alpha-2
    # Degrees, two decimals: enough for great-circle distance bands.
    latitude: Mapped[Decimal] = mapped_column(sa.Numeric(7, 4), nullable=False)
    longitude: Mapped[Decimal] = mapped_column(sa.Numeric(7, 4), nullable=False)
    note: Mapped[str] = mapped_column(sa.String(300), default="", nullable=False)

    def display_name(self, locale: str | None = None) -> str:
        """The name in the viewer's language where known (鎌倉 in Japanese, Kamakura in English)."""
        locale = locale or current_locale()
        if locale == "en":
            return self.name_en
        if HOME_LOCALE.get(self.country) == locale:
            return self.name_local  # the city's own official name, e.g. 鎌倉市
        return self.names.get(locale) or self.name_en

    @property
    def local_lang(self) -> str | None:
        """BCP 47 tag of the local name, so East Asian names get the right glyph shapes."""
        return HTML_LANG_OF_COUNTRY.get(self.country)

    def __repr__(self) -> str:
        return f"<City {self.name_en} {self.programme.value} {self.title_year}>"


class CityPair(Model):
    """A partnership between one European Capital of Culture and one Culture City of East Asia."""

    __tablename__ = "city_pair"
    __table_args__ = (
        sa.UniqueConstraint("europe_city_id", "east_asia_city_id"),
        sa.CheckConstraint("start_year <= end_year", name="years_in_order"),
        sa.CheckConstraint("europe_city_id <> east_asia_city_id", name="two_cities"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    europe_city_id: Mapped[int] = mapped_column(sa.ForeignKey("city.id"), nullable=False, index=True)
    east_asia_city_id: Mapped[int] = mapped_column(sa.ForeignKey("city.id"), nullable=False, index=True)
    start_year: Mapped[int] = mapped_column(nullable=False)
    end_year: Mapped[int] = mapped_column(nullable=False)
    # Real ECoC–CCEA pairings do not exist yet: demo pairs say so on every page.
    illustrative: Mapped[bool] = mapped_column(default=False, nullable=False)
    description: Mapped[dict] = mapped_column(MutableDict.as_mutable(sa.JSON), default=dict, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    # A pair is nearly always shown by its two names: load both cities with it (one query, not three).
    europe_city: Mapped[City] = relationship(foreign_keys=[europe_city_id], lazy="joined", innerjoin=True)
    east_asia_city: Mapped[City] = relationship(foreign_keys=[east_asia_city_id], lazy="joined", innerjoin=True)

    def display_name(self, locale: str | None = None) -> str:
        return f"{self.europe_city.display_name(locale)} ⇄ {self.east_asia_city.display_name(locale)}"

    def localized_description(self, locale: str | None = None) -> str:
        return localized(self.description, locale)

    def is_active_in(self, year: int) -> bool:
        return self.start_year <= year <= self.end_year

    def city_on(self, side: Side) -> City:
        return self.europe_city if side is Side.EUROPE else self.east_asia_city
