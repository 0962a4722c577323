from __future__ import annotations

from mobility.core.enums import TitledEnum
from mobility.core.text import lazy_gettext as _l


class Side(TitledEnum):
    """Which side of a pair a city is on."""

    EUROPE = "europe"
    EAST_ASIA = "east_asia"

    @classmethod
    def _titles(cls):
        return {cls.EUROPE: _l("Europe"), cls.EAST_ASIA: _l("East Asia")}


class Programme(TitledEnum):
    ECOC = "ECoC"
    CCEA = "CCEA"

    @classmethod
    def _titles(cls):
        return {
            cls.ECOC: _l("European Capital of Culture"),
            cls.CCEA: _l("Culture City of East Asia"),
        }

    @property
    def side(self) -> Side:
        return Side.EUROPE if self is Programme.ECOC else Side.EAST_ASIA


class Direction(TitledEnum):
    """Which way an exchange goes between the two cities of a pair."""

    EUROPE_TO_EAST_ASIA = "eu_to_ea"
    EAST_ASIA_TO_EUROPE = "ea_to_eu"

    @classmethod
    def _titles(cls):
        return {
            cls.EUROPE_TO_EAST_ASIA: _l("Europe → East Asia"),
            cls.EAST_ASIA_TO_EUROPE: _l("East Asia → Europe"),
        }

    @property
    def origin_side(self) -> Side:
        return Side.EUROPE if self is Direction.EUROPE_TO_EAST_ASIA else Side.EAST_ASIA
