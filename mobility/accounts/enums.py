"""Roles, languages, levels and disciplines: the vocabulary of profiles."""
from __future__ import annotations

from mobility.core.enums import TitledEnum
from mobility.core.text import lazy_gettext as _l


class Role(TitledEnum):
    APPLICANT = "applicant"
    JUROR = "juror"
    MANAGER = "manager"
    ADMIN = "admin"

    @classmethod
    def _titles(cls):
        return {
            cls.APPLICANT: _l("Applicant"),
            cls.JUROR: _l("Juror"),
            cls.MANAGER: _l("Programme manager"),
            cls.ADMIN: _l("Administrator"),
        }


class Language(TitledEnum):
    """Languages in which applications are written and read (ISO 639-1)."""

    EN = "en"
    ZH = "zh"
    JA = "ja"
    KO = "ko"

    @classmethod
    def _titles(cls):
        return {cls.EN: _l("English"), cls.ZH: _l("Chinese"), cls.JA: _l("Japanese"), cls.KO: _l("Korean")}


class Level(TitledEnum):
    """How well someone reads or writes a language (roughly CEFR A–B, C1, C2, native)."""

    BASIC = "basic"
    WORKING = "working"
    FLUENT = "fluent"
    NATIVE = "native"

    @classmethod
    def _titles(cls):
        return {
            cls.BASIC: _l("Basic"),
            cls.WORKING: _l("Working knowledge"),
            cls.FLUENT: _l("Fluent"),
            cls.NATIVE: _l("Native"),
        }


class Discipline(TitledEnum):
    VISUAL_ARTS = "visual_arts"
    PERFORMING_ARTS = "performing_arts"
    MUSIC = "music"
    DANCE = "dance"
    LITERATURE = "literature"
    FILM_MEDIA = "film_media"
    DESIGN = "design"
    ARCHITECTURE = "architecture"
    CRAFTS = "crafts"
    CULTURAL_HERITAGE = "cultural_heritage"
    DIGITAL_ARTS = "digital_arts"
    CURATING = "curating"

    @classmethod
    def _titles(cls):
        return {
            cls.VISUAL_ARTS: _l("Visual arts"),
            cls.PERFORMING_ARTS: _l("Theatre and performance"),
            cls.MUSIC: _l("Music"),
            cls.DANCE: _l("Dance"),
            cls.LITERATURE: _l("Literature and translation"),
            cls.FILM_MEDIA: _l("Film and media"),
            cls.DESIGN: _l("Design"),
            cls.ARCHITECTURE: _l("Architecture"),
            cls.CRAFTS: _l("Crafts"),
            cls.CULTURAL_HERITAGE: _l("Cultural heritage"),
            cls.DIGITAL_ARTS: _l("Digital and media arts"),
            cls.CURATING: _l("Curating and cultural management"),
        }
