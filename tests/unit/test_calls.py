"""Call services, rules and policies, called directly."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from flask_babel import force_locale

from mobility.accounts.enums import Discipline
from mobility.calls import policies, rules, services
from mobility.calls.enums import CallKind, CallStatus, QuestionKind, RuleKind
from mobility.calls.forms import parse_bands, parse_per_diems
from mobility.calls.models import Call
from mobility.calls.queries import archived_calls, open_calls
from mobility.cities.enums import Direction
from mobility.core.errors import DomainError
from mobility.db import utcnow
from tests.factories import make_call, make_pair, make_user


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@pytest.fixture
def manager(ctx):
    return make_user("manager")


def test_a_new_call_starts_as_a_draft_with_the_culture_moves_europe_table_and_a_rubric(manager):
    call = make_call(actor=manager)
    assert call.status is CallStatus.DRAFT
    assert (call.daily_allowance, call.green_travel_topup, call.visa_topup, call.family_topup_per_child,
            call.accessibility_topup_per_day) == (85, 400, 120, 200, 30)
    assert [(b.min_km, b.max_km, b.amount) for b in call.distance_bands] == [(0, 5000, 400), (5000, None, 800)]
    assert len(call.criteria) == 3 and all(set(c.label) == {"en", "zh_Hans", "ja", "ko"} for c in call.criteria)
    assert [c.tie_break_rank for c in call.criteria] == [1, 2, 3]


def test_dates_are_wall_clock_times_in_the_calls_zone(manager, db):
    pair = make_pair(actor=manager)
    call = services.create_call(manager, programme_id=manager.programmes[0].id, kind=CallKind.RESIDENCY,
                                title_en="Seoul time", pair_ids=[pair.id],
                                opens_local=datetime(2027, 3, 1, 9, 0), closes_local=datetime(2027, 4, 30, 18, 0),
                                timezone="Asia/Seoul")
    assert call.opens_at == datetime(2027, 3, 1, 0, 0, tzinfo=timezone.utc)
    assert call.closes_at == datetime(2027, 4, 30, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("field, changes", [
    ("closes_at", {"closes_local": datetime(2027, 2, 1)}),
    ("timezone", {"timezone": "Asia/Atlantis"}),
    ("pair_ids", {"pair_ids": []}),
    ("title", {"title_en": "  "}),
    ("programme_id", {"programme_id": None}),
])
def test_bad_call_input_is_refused_on_its_field(manager, field, changes):
    pair = make_pair(actor=manager)
    values = dict(programme_id=manager.programmes[0].id, kind=CallKind.RESIDENCY, title_en="T", pair_ids=[pair.id], opens_local=datetime(2027, 3, 1),
                  closes_local=datetime(2027, 4, 1), timezone="Europe/Berlin")
    values.update(changes)
    with pytest.raises(DomainError) as error:
        services.create_call(manager, **values)
    assert error.value.field == field


def test_publication_waits_for_every_required_text(manager, db):
    call = make_call(actor=manager)
    call.required_locales = ["en", "ko"]
    problems = services.publication_problems(call)
    assert len(problems) == 3 and all("Korean" in p for p in problems)
    with pytest.raises(DomainError):
        services.set_call_status(manager, call, CallStatus.PUBLISHED)
    services.update_texts(manager, call, "ko", {"title": "공모", "summary": "요약", "body": "본문"})
    services.set_call_status(manager, call, CallStatus.PUBLISHED)
    assert call.status is CallStatus.PUBLISHED and call.published_at is not None


def test_a_published_call_cannot_lose_a_required_text(manager):
    call = make_call(actor=manager, publish=True)
    with pytest.raises(DomainError):
        services.update_texts(manager, call, "en", {"title": "Still here", "summary": "", "body": "Body"})


def test_the_lifecycle_follows_its_table(manager):
    call = make_call(actor=manager)
    with pytest.raises(DomainError):
        services.set_call_status(manager, call, CallStatus.CLOSED)
    for status in (CallStatus.PUBLISHED, CallStatus.CLOSED, CallStatus.ARCHIVED):
        services.set_call_status(manager, call, status)
    for status in CallStatus:
        with pytest.raises(DomainError):
            services.set_call_status(manager, call, status)


def test_an_unknown_status_cannot_reach_the_database(manager, db):
    call = make_call(actor=manager)
    with pytest.raises(Exception):
        db.session.execute(Call.__table__.update().where(Call.id == call.id).values(status="deleted"))
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("kind, params, field", [
    (RuleKind.DURATION, {"min": 60, "max": 7}, "min_value"),
    (RuleKind.DURATION, {"min": 0, "max": 7}, "min_value"),
    (RuleKind.TEAM_SIZE, {}, "min_value"),
    (RuleKind.DISCIPLINE, {"disciplines": []}, "disciplines"),
    (RuleKind.RESIDENCE_SIDE, {"sides": ["mars"]}, "sides"),
    (RuleKind.TRAVEL_WINDOW, {"start": "2027-09-01", "end": "2027-06-01"}, "start_date"),
    (RuleKind.RESIDENCE_CITY, {"city_ids": []}, "city_ids"),
])
def test_rule_parameters_are_checked(kind, params, field, ctx):
    with pytest.raises(DomainError) as error:
        rules.clean_params(kind, params)
    assert error.value.field == field


def test_rules_explain_themselves(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert rules.explain(RuleKind.DURATION, {"min": 7, "max": 60}) == "Stays last at least 7 and at most 60 days."
        assert rules.explain(RuleKind.TEAM_SIZE, {"min": None, "max": 4}) == "Teams have at most 4 members."
        assert "Dance" in rules.explain(RuleKind.DISCIPLINE, {"disciplines": ["dance"]})
        assert "June" in rules.explain(RuleKind.TRAVEL_WINDOW, {"start": "2027-06-01", "end": "2027-09-30"})
    with app.test_request_context(), force_locale("ja"):
        assert rules.explain(RuleKind.DURATION, {"min": 7, "max": 60}) == "滞在期間は 7 日以上 60 日以内です。"


def _question(manager, call, **overrides):
    values = dict(kind=QuestionKind.LONG_TEXT, required=True, label={"en": "Describe your project"}, help={},
                  max_length=2000, options=[], condition_question_id=None, condition_value=None)
    values.update(overrides)
    return services.save_question(manager, call, **values)


def test_questions_with_conditions(manager, db):
    call = make_call(actor=manager)
    choice = _question(manager, call, kind=QuestionKind.SINGLE_CHOICE, max_length=None, label={"en": "Travel?"},
                       options=[{"value": "Train", "labels": {"en": "Train", "ja": "列車"}},
                                {"value": "Plane", "labels": {"en": "Plane"}}])
    follow_up = _question(manager, call, condition_question_id=choice.id, condition_value="Train",
                          label={"en": "Which route?"})
    assert follow_up.condition_question is choice
    with pytest.raises(DomainError) as error:
        _question(manager, call, condition_question_id=follow_up.id, condition_value="x", question=follow_up)
    assert error.value.field == "condition_question_id"  # a question cannot depend on itself
    with pytest.raises(DomainError) as error:
        _question(manager, call, condition_question_id=follow_up.id, condition_value="x", question=choice)
    assert error.value.field == "condition_question_id"  # nor on a later one
    with pytest.raises(DomainError) as error:
        _question(manager, call, condition_question_id=choice.id, condition_value="Boat")
    assert error.value.field == "condition_value"
    with pytest.raises(DomainError):
        services.delete_question(manager, call, choice)


@pytest.mark.parametrize("overrides, field", [
    ({"label": {"ja": "日本語だけ"}}, "label_en"),
    ({"kind": QuestionKind.NUMBER, "max_length": 10}, "max_length"),
    ({"kind": QuestionKind.MULTIPLE_CHOICE, "max_length": None, "options": [{"value": "A", "labels": {}}]},
     "options_en"),
])
def test_bad_questions_are_refused(manager, overrides, field):
    call = make_call(actor=manager)
    with pytest.raises(DomainError) as error:
        _question(manager, call, **overrides)
    assert error.value.field == field


def _criterion(manager, call, **overrides):
    values = dict(label={"en": "Feasibility"}, description={}, weight=Decimal("1"), threshold=Decimal("3"),
                  tie_break_rank=None)
    values.update(overrides)
    return services.save_criterion(manager, call, **values)


@pytest.mark.parametrize("overrides, field", [
    ({"weight": Decimal("0")}, "weight"),
    ({"weight": Decimal("-1")}, "weight"),
    ({"threshold": Decimal("5.5")}, "threshold"),
    ({"threshold": Decimal("-0.5")}, "threshold"),
    ({"tie_break_rank": 1}, "tie_break_rank"),
    ({"label": {}}, "label_en"),
])
def test_bad_criteria_are_refused(manager, overrides, field):
    call = make_call(actor=manager)
    with pytest.raises(DomainError) as error:
        _criterion(manager, call, **overrides)
    assert error.value.field == field


@pytest.mark.parametrize("scale, field", [
    ((Decimal("5"), Decimal("0"), Decimal("0.5"), None), "scale_max"),
    ((Decimal("0"), Decimal("5"), Decimal("0.3"), None), "scale_step"),
    ((Decimal("0"), Decimal("5"), Decimal("0"), None), "scale_step"),
    ((Decimal("0"), Decimal("5"), Decimal("0.5"), Decimal("16")), "overall_threshold"),
    ((Decimal("0"), Decimal("2"), Decimal("0.5"), None), "scale_max"),  # thresholds of 3 would fall outside
])
def test_bad_scales_are_refused(manager, scale, field):
    call = make_call(actor=manager)
    low, high, step, overall = scale
    with pytest.raises(DomainError) as error:
        services.update_scale(manager, call, scale_min=low, scale_max=high, scale_step=step,
                              overall_threshold=overall)
    assert error.value.field == field


def test_rubric_rules_and_questions_freeze_at_the_first_submission_but_texts_do_not(manager, db):
    call = make_call(actor=manager, publish=True)
    call.first_submission_at = utcnow()
    for attempt in (
        lambda: _criterion(manager, call),
        lambda: services.update_scale(manager, call, scale_min=Decimal(0), scale_max=Decimal(10),
                                      scale_step=Decimal(1), overall_threshold=None),
        lambda: services.save_rule(manager, call, RuleKind.DURATION, {"min": 1, "max": 9}),
        lambda: _question(manager, call),
        lambda: services.delete_criterion(manager, call, call.criteria[0]),
        lambda: services.set_call_status(manager, call, CallStatus.DRAFT),
    ):
        with pytest.raises(DomainError) as error:
            attempt()
        assert "submitted" in str(error.value.message)
    services.update_texts(manager, call, "en", {"title": "Better title", "summary": "S", "body": "B"})
    assert call.title["en"] == "Better title"


def test_bands_must_start_at_zero_and_follow_each_other(manager):
    call = make_call(actor=manager)
    good = parse_bands("0-5000: 400\n5000-8000: 700\n8000-: 1000")
    services.set_rates(manager, call, rates={}, bands=good, per_diems={"jp": Decimal("95")})
    assert [(b.min_km, b.max_km) for b in call.distance_bands] == [(0, 5000), (5000, 8000), (8000, None)]
    assert [(p.country, p.amount) for p in call.per_diems] == [("JP", Decimal("95"))]
    for text in ("100-5000: 400", "0-5000: 400\n4000-: 800", "0-: 400\n5000-: 800", "0-5000: 400\n6000-: 800"):
        with pytest.raises(DomainError) as error:
            services.set_rates(manager, call, rates={}, bands=parse_bands(text), per_diems={})
        assert error.value.field == "bands"
    with pytest.raises(DomainError):
        parse_bands("zero to five thousand")
    with pytest.raises(DomainError):
        parse_per_diems("Japan 95")
    with pytest.raises(DomainError) as error:
        services.set_rates(manager, call, rates={"visa_topup": Decimal("-1")}, bands=good, per_diems={})
    assert error.value.field == "visa_topup"


def test_budgets_per_pair_and_direction(manager):
    call = make_call(actor=manager)
    pair = call.pairs[0]
    services.set_budgets(manager, call, {(pair.id, Direction.EUROPE_TO_EAST_ASIA): Decimal("50000"),
                                         (pair.id, Direction.EAST_ASIA_TO_EUROPE): None})
    assert [(b.direction, b.amount) for b in call.budgets] == [(Direction.EUROPE_TO_EAST_ASIA, Decimal("50000"))]
    with pytest.raises(DomainError):
        services.set_budgets(manager, call, {(pair.id, Direction.EAST_ASIA_TO_EUROPE): Decimal("-5")})


def test_policies(ctx, db):
    manager, admin, artist = make_user("manager"), make_user("admin"), make_user()
    call = make_call(actor=manager)
    assert policies.can_manage_calls(manager) and policies.can_manage_calls(admin)
    assert not policies.can_manage_calls(artist)
    assert not policies.can_view_call(artist, call) and policies.can_view_call(manager, call)
    services.set_call_status(manager, call, CallStatus.PUBLISHED)
    assert policies.can_view_call(artist, call)
    assert policies.is_open_for_applications(call)
    assert not policies.is_open_for_applications(call, now=call.closes_at)
    assert policies.is_open_for_applications(call, now=call.closes_at - timedelta(seconds=1))


def test_open_call_filters_and_archive(manager, db):
    kamakura = make_pair(actor=manager)
    huzhou = make_pair("Nova Gorica", "Huzhou", actor=manager)
    residency = make_call(actor=manager, pairs=[kamakura], title="Residency", publish=True, closes_in_days=10)
    mobility = make_call(actor=manager, pairs=[huzhou], kind=CallKind.INDIVIDUAL_MOBILITY, title="Mobility",
                         publish=True, closes_in_days=40)
    services.update_settings(manager, mobility, kind=CallKind.INDIVIDUAL_MOBILITY, pair_ids=[huzhou.id],
                             directions=[d.value for d in Direction],
                             opens_local=datetime(2020, 1, 1), closes_local=(utcnow() + timedelta(days=40)
                                                                             ).replace(tzinfo=None),
                             timezone="UTC", disciplines=["dance"], accepted_languages=["en"],
                             required_texts=["title"], required_locales=["en"], reviewers_per_application=3,
                             blind_review=False)
    make_call(actor=manager, pairs=[kamakura], title="Draft")
    past = make_call(actor=manager, pairs=[kamakura], title="Past", opens_in_days=-30, closes_in_days=-1,
                     publish=True)
    now = utcnow()

    def titles(**filters):
        return [c.title["en"] for c in db.session.scalars(open_calls(now, **filters))]

    assert titles() == ["Residency", "Mobility"]
    assert titles(pair_id=huzhou.id) == ["Mobility"]
    assert titles(kind=CallKind.RESIDENCY) == ["Residency"]
    assert titles(discipline=Discipline.DANCE) == ["Residency", "Mobility"]  # no list means every discipline
    assert titles(discipline=Discipline.MUSIC) == ["Residency"]
    assert titles(closes_before=now + timedelta(days=20)) == ["Residency"]
    assert [c.id for c in db.session.scalars(archived_calls(now))] == [past.id]
    assert residency.id not in [c.id for c in db.session.scalars(archived_calls(now))]
