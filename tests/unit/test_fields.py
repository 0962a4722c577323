"""Number fields refuse what no column holds with a field error in the reader's language (core/fields.py)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from flask_babel import force_locale
from werkzeug.datastructures import MultiDict
from wtforms import Form

from mobility.core.fields import DecimalField, IntegerField


class Numbers(Form):
    amount = DecimalField(places=2)
    score = DecimalField(places=2, below=1000)
    count = IntegerField()


@pytest.mark.parametrize("field, value", [("amount", "NaN"), ("amount", "-Infinity"), ("amount", "1e309"),
                                          ("amount", "1000000000"), ("score", "1000"), ("count", str(2**31)),
                                          ("count", str(-2**31 - 5))])
def test_a_number_beyond_its_column_is_a_field_error(app, field, value):
    with app.test_request_context(), force_locale("ko"):
        form = Numbers(MultiDict({field: value}))
        assert not form.validate()
        assert getattr(form, field).data is None
        assert "작은 수를 입력하세요" in getattr(form, field).errors[0]


def test_ordinary_numbers_pass(app):
    with app.test_request_context():
        form = Numbers(MultiDict({"amount": "2075.50", "score": "4.5", "count": "12"}))
        assert form.validate(), form.errors
        assert (form.amount.data, form.score.data, form.count.data) == (Decimal("2075.50"), Decimal("4.5"), 12)
