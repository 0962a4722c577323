"""Form fields written once per UI language (label_en, label_zh_Hans, label_ja, label_ko)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import format_date, format_datetime
from wtforms import BooleanField, Field, Form, StringField
from wtforms.fields.choices import SelectFieldBase

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


# ---- two versions of a form side by side (the page after an edit conflict) -------------------------

SKIPPED_TYPES = ("CSRFTokenField", "HiddenField", "SubmitField", "FileField", "MultipleFileField")
EMPTY = "—"


@dataclass(frozen=True)
class ComparedField:
    """One field of a form in two versions: its label and both values as a reader reads them."""

    name: str
    label: str
    mine: str
    saved: str

    @property
    def differs(self) -> bool:
        return self.mine != self.saved


def readable_value(field: Field) -> str:
    """What `field` holds, as the page's reader reads it: a choice's label (never its code or id), a date in
    their language, several choices joined; "—" for nothing."""
    data = field.data
    if data in (None, "", []):
        return EMPTY
    if isinstance(field, BooleanField):
        return str(_l("Yes") if data else _l("No"))
    if isinstance(field, SelectFieldBase):
        labels = {str(value): str(label) for value, label in _choices(field)}
        values = data if isinstance(data, (list, tuple)) else [data]
        return ", ".join(labels.get(str(v), str(v)) for v in values if v not in (None, "")) or EMPTY
    if isinstance(data, datetime):
        return format_datetime(data, "medium")
    if isinstance(data, date):
        return format_date(data, "medium")
    text = "\n".join(line.rstrip() for line in str(data).replace("\r\n", "\n").strip().split("\n"))
    return text or EMPTY


def _choices(field) -> list[tuple]:
    """(value, label) of each option, from what the field renders (Choice objects, or tuples before WTForms 3.3)."""
    return [(getattr(c, "value", None), getattr(c, "label", None)) if hasattr(c, "value") else (c[0], c[1])
            for c in field.iter_choices()]


def compare_forms(mine: Form, saved: Form) -> list[ComparedField]:
    """Every field the person fills in, in the order of the form, with the version sent and the one saved."""
    rows = []
    for field in mine:
        if field.type in SKIPPED_TYPES or field.name not in saved:
            continue
        rows.append(ComparedField(field.name, str(field.label.text), readable_value(field),
                                  readable_value(saved[field.name])))
    return rows
