"""Form fields written once per UI language (label_en, label_zh_Hans, label_ja, label_ko)."""
from __future__ import annotations

from wtforms import StringField

from mobility.core.text import lazy_gettext as _l
from mobility.i18n.locales import LOCALES, NATIVE_NAMES


def add_localized_fields(form_cls, name: str, label, field_cls=StringField, **kwargs) -> None:
    for locale in LOCALES:
        setattr(form_cls, f"{name}_{locale}",
                field_cls(_l("%(field)s (%(language)s)", field=label, language=NATIVE_NAMES[locale]), **kwargs))


def localized_fields(form, name: str) -> list:
    return [getattr(form, f"{name}_{locale}") for locale in LOCALES]


def localized_data(form, name: str) -> dict[str, str]:
    return {locale: getattr(form, f"{name}_{locale}").data or "" for locale in LOCALES}


def fill_localized(form, name: str, texts: dict[str, str] | None) -> None:
    for locale in LOCALES:
        getattr(form, f"{name}_{locale}").data = (texts or {}).get(locale, "")
