"""Text from people and data, made safe at the two edges where it enters and leaves.

- `lazy_gettext` (imported everywhere as `_l`): a translated sentence is *text*, not markup. Flask-Babel's
  own lazy string declares `__html__`, so Jinja and WTForms took `_l("%(pair)s, …", pair=city_name)` as
  trusted HTML and printed a city name raw. Ours escapes when it is put into HTML (labels, field errors,
  flashes, templates) and stays plain text everywhere else (mails, exports, JSON).
- `clean_name`: names people type (user, organisation, city, pair, programme, call titles, host names) lose
  the control and format characters that would make them read differently from what they are — a
  right-to-left override (U+202E) turning "Anna<U+202E>gpj.exe" into "Annaexe.jpg", isolates (U+2066–2069),
  zero-width spaces that make two names look the same. Ordinary whitespace becomes one space.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any

from babel import Locale
from babel.support import NullTranslations
from flask import g
from flask.json.provider import DefaultJSONProvider
from flask_babel import get_locale, get_translations
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape

# ---- the request's language, resolved once -------------------------------------------------------
# Flask-Babel keeps the request's locale on its per-request namespace (g._flask_babel), but every gettext,
# format call and enum title walks its way there again (get_domain → get_translations → get_locale, each
# through the `g` proxy three times) and then names the locale to find its catalog: a list of 250 rows made
# about 1,200 such walks. What a request has resolved is kept beside Flask-Babel's own, for the locale it was
# resolved for: force_locale() and refresh() change that locale, and the next call follows.

class RequestText:
    """The request's locale, its catalog and the enum titles in it (per class)."""

    __slots__ = ("locale", "translations", "titles")

    def __init__(self, locale: Locale | None, translations: NullTranslations, titles: dict):
        self.locale, self.translations, self.titles = locale, translations, titles


_TITLES_BY_LOCALE: dict[Locale | None, dict] = {}  # {locale: {enum class: {member: title}}}; catalogs never change


def request_text() -> RequestText:
    try:
        ctx = g._flask_babel
        state = ctx.mobility_text
        if state.locale is ctx.babel_locale:
            return state
    except (AttributeError, RuntimeError):  # not resolved yet, or outside an app context
        pass
    locale = get_locale()  # resolves (and creates Flask-Babel's namespace) when there is a context
    state = RequestText(locale, get_translations(), _TITLES_BY_LOCALE.setdefault(locale, {}))
    if locale is not None:
        try:
            g._flask_babel.mobility_text = state
        except (AttributeError, RuntimeError):
            pass
    return state


def current_locale() -> Locale | None:
    """flask_babel.get_locale(), at two attribute reads once the request has resolved it."""
    try:
        locale = g._flask_babel.babel_locale
    except (AttributeError, RuntimeError):
        locale = None
    return locale if locale is not None else get_locale()


_WTFORMS_CATALOGS: dict[Locale, NullTranslations] = {}


class WtformsCatalog:
    """`request.wtforms_translations`, where Flask-WTF looks for WTForms' own messages ("Not a
    valid integer value.") before it reads and parses WTForms' catalog file again for the request: the catalog
    of the request's locale, read once per process. (A non-data descriptor: Flask-WTF may still set its own.)"""

    def __get__(self, request: object, owner: type | None = None) -> NullTranslations | None:
        if request is None:
            return None
        locale = current_locale()
        if locale is None:
            return None
        catalog = _WTFORMS_CATALOGS.get(locale)
        if catalog is None:
            from babel import support
            from wtforms.i18n import messages_path

            catalog = _WTFORMS_CATALOGS[locale] = support.Translations.load(messages_path(), [locale],
                                                                            domain="wtforms")
        return catalog


def gettext(string: str, **variables: Any) -> str:
    """flask_babel.gettext, with the request's catalog found once."""
    s = request_text().translations.ugettext(string)
    return s if not variables else s % variables


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """flask_babel.ngettext, with the request's catalog found once."""
    variables.setdefault("num", num)
    s = request_text().translations.ungettext(singular, plural, num)
    return s if not variables else s % variables


class LazyText(LazyString):
    """A lazily translated sentence that is always escaped when it goes into HTML."""

    def __html__(self) -> Markup:
        return escape(str(self))


def lazy_gettext(string: str, **variables: Any) -> LazyText:
    return LazyText(gettext, string, **variables)


def lazy_ngettext(singular: str, plural: str, num: int, **variables: Any) -> LazyText:
    """The plural form for `num`, escaped like lazy_gettext when it goes into HTML."""
    return LazyText(ngettext, singular, plural, num, **variables)


# Cc (controls), Cf (format: bidi overrides and isolates, zero-width characters, soft hyphen, BOM),
# Co/Cs/Cn (private use, surrogates, unassigned), and the line/paragraph separators.
_REMOVED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
# Kept inside a name where a script needs them: ZWJ/ZWNJ shape Indic and Persian words and emoji.
_KEPT = frozenset({"\u200c", "\u200d"})
_WHITESPACE = re.compile(r"\s+")


def clean_name(value: str | None) -> str | None:
    """`value` without control/format characters, its whitespace runs made one space, stripped."""
    if value is None:
        return None
    text = "".join(" " if ch in "\t\n\r\v\f" else ch for ch in str(value))
    text = "".join(ch for ch in text
                   if ch in _KEPT or unicodedata.category(ch) not in _REMOVED_CATEGORIES)
    return _WHITESPACE.sub(" ", text).strip()


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, with a lazy sentence as its plain text (Flask would take its escaped HTML form)."""

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, LazyString):
            return str(o)
        return DefaultJSONProvider.default(o)
