"""Number fields that refuse what the database cannot hold, on the field, in the reader's language.

WTForms takes "NaN", "Infinity", "1e309" and 99999999999999999999 as numbers; a comparison with NaN then
raises, and a number larger than its column overflows in PostgreSQL — a 500 where the person should read
what to type instead. These fields keep the same names and arguments as WTForms' own.
"""
from __future__ import annotations

from decimal import Decimal

import wtforms
from flask_babel import format_decimal

from mobility.core.text import lazy_gettext as _l

INT_LIMIT = 2**31 - 1  # an INTEGER column (ids, counts, days)


class DecimalField(wtforms.DecimalField):
    """A finite decimal below `below` in size (default 10⁹; money columns are Numeric(12, 2))."""

    def __init__(self, label=None, validators=None, *, below: int | Decimal = 10**9, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.below = Decimal(below)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if isinstance(self.data, Decimal) and (not self.data.is_finite() or abs(self.data) >= self.below):
            self.data = None
            raise ValueError(_l("Enter a number smaller than %(limit)s.", limit=format_decimal(self.below)))


class IntegerField(wtforms.IntegerField):
    """A whole number an INTEGER column holds."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if isinstance(self.data, int) and abs(self.data) > INT_LIMIT:
            self.data = None
            raise ValueError(_l("Enter a number smaller than %(limit)s.", limit=format_decimal(INT_LIMIT)))
