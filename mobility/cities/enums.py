from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mobility.core.enums import TitledEnum


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
