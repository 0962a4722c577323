"""marshmallow schemas: what the API reads and answers, and (through apispec) what the OpenAPI document says."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from marshmallow import Schema, ValidationError, fields, validate

from mobility.accounts.enums import Discipline, Language
from mobility.applications.enums import ApplicationStatus, ScreeningReason
from mobility.awards.enums import InstalmentState
from mobility.calls.enums import CallKind
from mobility.cities.enums import Direction

MAX_PAGE_SIZE = 100
MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database: larger ones cannot exist
DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"
MONEY_PATTERN = r"^\d{1,10}(\.\d{1,2})?$"


class Text(fields.String):
    """A string from outside: NUL cannot be stored (PostgreSQL refuses it), so it is refused here."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ValidationError("Text may not contain NUL characters.")
        return text


class DecimalString(fields.String):
    """Money and coordinates travel as exact decimal strings ("1234.50"), never as floats."""

    def __init__(self, *, pattern: str = DECIMAL_PATTERN, **kwargs):
        self.pattern = pattern
        kwargs.setdefault("metadata", {}).setdefault("pattern", pattern)
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(value)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not re.fullmatch(self.pattern, text):
            raise ValidationError("Give an amount such as 1250.00.")
        try:
            return Decimal(text)
        except InvalidOperation:
            raise ValidationError("Give an amount such as 1250.00.") from None


def _id(**kwargs) -> fields.Integer:
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def _values(enum_cls, *, exclude=()) -> list[str]:
    return [m.value for m in enum_cls if m not in exclude]


class ProblemSchema(Schema):
    type = fields.String(metadata={"description": "Always about:blank: the status says what happened."})
    title = fields.String(required=True, metadata={"description": "Short summary, in the negotiated language"})
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.Dict(keys=fields.String(), metadata={"description": "Errors by field (422)"})


# ---- pagination ------------------------------------------------------------------------------

class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PAGE_SIZE),
                          metadata={"description": f"Items per page, at most {MAX_PAGE_SIZE}"})


class LinksSchema(Schema):
    self = fields.String(required=True)
    first = fields.String(required=True)
    last = fields.String(required=True)
    next = fields.String(allow_none=True, required=True)
    prev = fields.String(allow_none=True, required=True)


def page_of(item_schema: type[Schema]) -> type[Schema]:
    """The envelope of a list: items, totals and links to the neighbouring pages."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item_schema), required=True),
        "page": fields.Integer(required=True),
        "size": fields.Integer(required=True),
        "total": fields.Integer(required=True),
        "pages": fields.Integer(required=True),
        "links": fields.Nested(LinksSchema, required=True),
    }, name=name)


# ---- public reads ----------------------------------------------------------------------------

class CitySchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True, metadata={"description": "In the negotiated language where known"})
    name_en = fields.String(required=True)
    name_local = fields.String(required=True)
    country = fields.String(required=True)
    side = fields.String(required=True)
    programme = fields.String(required=True)
    title_year = fields.Integer(required=True)
    latitude = DecimalString(required=True)
    longitude = DecimalString(required=True)


class PairSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    europe_city = fields.Nested(CitySchema, required=True)
    east_asia_city = fields.Nested(CitySchema, required=True)
    start_year = fields.Integer(required=True)
    end_year = fields.Integer(required=True)
    illustrative = fields.Boolean(required=True)
    description = fields.String(required=True)


class PairRefSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class CallSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    language = fields.String(allow_none=True, required=True,
                             metadata={"description": "The language the texts are in (a fallback when the "
                                                      "call has no text in the one asked for)"})
    kind = fields.String(required=True)
    kind_title = fields.String(required=True)
    status = fields.String(required=True)
    opens_at = fields.DateTime(required=True)
    closes_at = fields.DateTime(required=True)
    timezone = fields.String(required=True)
    pairs = fields.List(fields.Nested(PairRefSchema), required=True)
    directions = fields.List(fields.String(), required=True)
    disciplines = fields.List(fields.String(), required=True)
    accepted_languages = fields.List(fields.String(), required=True)
    blind_review = fields.Boolean(required=True)
    currency = fields.String(required=True)
    url = fields.String(required=True)


class CallArgs(PageArgs):
    pair = _id()
    kind = Text(validate=validate.OneOf(_values(CallKind)))
    discipline = Text(validate=validate.OneOf(_values(Discipline)))


class PairFilterArgs(PageArgs):
    pair = _id()


class ExchangeCellSchema(Schema):
    """One cell of the open data: a pair × direction × discipline × year (see /open-data/datapackage.json)."""
    pair_code = fields.String(required=True, metadata={"description": "Stable code of the city pair"})
    pair_id = fields.Integer(required=True)
    europe_city = fields.String(required=True)
    east_asia_city = fields.String(required=True)
    direction = fields.String(required=True, metadata={"description": "eu_to_ea or ea_to_eu"})
    discipline = fields.String(required=True, metadata={"description": "A discipline code, or unspecified"})
    year = fields.Integer(required=True, metadata={"description": "Year in which the stays began"})
    grants = fields.Integer(allow_none=True, required=True, metadata={"description": "null when suppressed"})
    grant_eur_total = DecimalString(allow_none=True, required=True, metadata={"description": "null when suppressed"})
    days_total = fields.Integer(allow_none=True, required=True, metadata={"description": "null when suppressed"})
    suppressed = fields.Boolean(required=True, metadata={
        "description": "true when the cell has fewer than 5 grants: no figure of it is published"})


# ---- the office's reads ----------------------------------------------------------------------

class PersonSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)


class ApplicationArgs(PageArgs):
    status = Text(validate=validate.OneOf(_values(ApplicationStatus, exclude=(ApplicationStatus.DRAFT,))))
    pair = _id()
    direction = Text(validate=validate.OneOf(_values(Direction)))
    discipline = Text(validate=validate.OneOf(_values(Discipline)))
    language = Text(validate=validate.OneOf(_values(Language)))
    q = Text(validate=validate.Length(max=100), metadata={"description": "Text search (CJK-aware)"})


class ApplicationSchema(Schema):
    id = fields.Integer(required=True)
    reference = fields.String(allow_none=True, required=True)
    call_id = fields.Integer(required=True)
    status = fields.String(required=True)
    status_title = fields.String(required=True)
    submitted_at = fields.DateTime(allow_none=True, required=True)
    applicant = fields.Nested(PersonSchema, required=True)
    title = fields.String(required=True)
    pair = fields.Nested(PairRefSchema, allow_none=True, required=True)
    direction = fields.String(allow_none=True, required=True)
    origin_city = fields.String(allow_none=True, required=True)
    host_city = fields.String(allow_none=True, required=True)
    discipline = fields.String(allow_none=True, required=True)
    languages = fields.List(fields.String(), required=True)
    start_date = fields.Date(allow_none=True, required=True)
    end_date = fields.Date(allow_none=True, required=True)
    days = fields.Integer(allow_none=True, required=True)
    host_organisation = fields.String(required=True)
    host_confirmed = fields.Boolean(required=True)
    team_size = fields.Integer(required=True)
    screening_reason = fields.String(allow_none=True, required=True)
    screening_reason_title = fields.String(allow_none=True, required=True)
    screening_note = fields.String(allow_none=True, required=True)
    screened_at = fields.DateTime(allow_none=True, required=True)


class ScreeningSchema(Schema):
    eligible = fields.Boolean(required=True)
    reason = Text(allow_none=True, load_default=None, validate=validate.OneOf(_values(ScreeningReason)),
                           metadata={"description": "Required when not eligible; the applicant reads it in "
                                                    "their language"})
    note = Text(allow_none=True, load_default=None, validate=validate.Length(max=2000))


class JurorRefSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class ReviewSchema(Schema):
    id = fields.Integer(required=True)
    application_id = fields.Integer(required=True)
    application_reference = fields.String(allow_none=True, required=True)
    applicant_name = fields.String(allow_none=True, required=True,
                                   metadata={"description": "null where blind review hides who applied"})
    juror = fields.Nested(JurorRefSchema, allow_none=True, required=True,
                          metadata={"description": "null while the review phase hides reviewers' names"})
    juror_label = fields.String(required=True)
    status = fields.String(required=True)
    scores = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    comments = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    overall_comment = fields.String(required=True)
    comment_language = fields.String(allow_none=True, required=True)
    weighted_total = DecimalString(allow_none=True, required=True)
    submitted_at = fields.DateTime(allow_none=True, required=True)


class InstalmentSchema(Schema):
    number = fields.Integer(required=True)
    amount = DecimalString(required=True)
    paid = DecimalString(required=True)
    due = fields.Boolean(required=True)
    outstanding = DecimalString(required=True, metadata={"description": "What may still be paid on it now"})
    overpaid = DecimalString(required=True, metadata={"description": "Paid beyond its amount"})
    state = fields.String(required=True, validate=validate.OneOf([s.value for s in InstalmentState]),
                          metadata={"description": "not_due, due, partly_paid, paid or overpaid (derived: the "
                                                   "grant, its status and its payments)"})
    state_title = fields.String(required=True)


class GrantSchema(Schema):
    id = fields.Integer(required=True)
    application_id = fields.Integer(required=True)
    application_reference = fields.String(allow_none=True, required=True)
    call_id = fields.Integer(required=True)
    pair_id = fields.Integer(required=True)
    grantee = fields.Nested(PersonSchema, required=True)
    direction = fields.String(required=True)
    status = fields.String(required=True)
    status_title = fields.String(required=True)
    amount = DecimalString(required=True)
    currency = fields.String(required=True)
    distance_km = fields.Integer(required=True)
    days = fields.Integer(required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    accepted_at = fields.DateTime(allow_none=True, required=True,
                                  metadata={"description": "When the grantee first accepted the grant."})
    offer_expires_at = fields.DateTime(allow_none=True, required=True)
    agreement_version = fields.Integer(required=True, metadata={
        "description": "The agreement version in force (an approved amendment that changes the terms makes the "
                       "next one)."})
    agreement_accepted = fields.Boolean(required=True, metadata={
        "description": "Whether the grantee has accepted the version in force; instalments are due only then."})
    paid = DecimalString(required=True)
    remaining = DecimalString(required=True, metadata={"description": "The grant minus what was paid (never "
                                                                       "below zero)"})
    due_now = DecimalString(required=True, metadata={"description": "What may be paid today"})
    overpaid = DecimalString(required=True, metadata={"description": "Paid beyond the grant: to be recovered"})
    recovery_due = fields.Boolean(required=True)
    instalments = fields.List(fields.Nested(InstalmentSchema), required=True)


class PaymentSchema(Schema):
    id = fields.Integer(required=True)
    grant_id = fields.Integer(required=True)
    instalment = fields.Integer(required=True)
    amount = DecimalString(required=True)
    reference = fields.String(required=True)
    paid_on = fields.Date(required=True)
    created_at = fields.DateTime(required=True)


class NewPaymentSchema(Schema):
    instalment = fields.Integer(required=True, validate=validate.Range(min=1, max=2))
    amount = DecimalString(required=True, pattern=MONEY_PATTERN,
                           metadata={"description": "In the grant's currency, e.g. \"840.00\""})
    reference = Text(required=True, validate=validate.Length(min=1, max=100))
    paid_on = fields.Date(required=True)


class ReportSchema(Schema):
    id = fields.Integer(required=True)
    grant_id = fields.Integer(required=True)
    application_reference = fields.String(allow_none=True, required=True)
    status = fields.String(required=True)
    status_title = fields.String(required=True)
    actual_start = fields.Date(allow_none=True, required=True)
    actual_end = fields.Date(allow_none=True, required=True)
    actual_days = fields.Integer(allow_none=True, required=True)
    audience = fields.Integer(allow_none=True, required=True)
    sectors = fields.List(fields.String(), required=True)
    travel_mode = fields.String(allow_none=True, required=True)
    public_summary = fields.String(required=True)
    language = fields.String(allow_none=True, required=True)
    submitted_at = fields.DateTime(allow_none=True, required=True)
    approved_at = fields.DateTime(allow_none=True, required=True)


class JurorSchema(Schema):
    user_id = fields.Integer(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    max_load = fields.Integer(required=True)


class JurorEntrySchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=320))
    max_load = fields.Integer(load_default=20, validate=validate.Range(min=0, max=500))


class JurorImportSchema(Schema):
    jurors = fields.List(fields.Nested(JurorEntrySchema), required=True, validate=validate.Length(min=1, max=500))
