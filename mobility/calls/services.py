"""Call verbs: create, edit each part, and move through draft → published → closed → archived."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal

from flask_babel import force_locale
from sqlalchemy import select

from mobility.accounts.enums import Discipline, Language
from mobility.accounts.models import Programme
from mobility.accounts.policies import runs_programme
from mobility.calls import rules as rule_params
from mobility.calls.enums import (
    CallKind,
    CallStatus,
    CallText,
    QuestionKind,
    Questionnaire,
    RuleKind,
    SharedComments,
)
from mobility.calls.models import (
    Call,
    CallBudget,
    CallDiscipline,
    DistanceBand,
    EligibilityRule,
    PerDiemRate,
    Question,
    RubricCriterion,
)
from mobility.cities.enums import Direction
from mobility.cities.models import CityPair
from mobility.core import audit, memo
from mobility.core.digests import content_hash
from mobility.core.errors import DomainError
from mobility.core.lifecycle import Lifecycle
from mobility.core.text import clean_name
from mobility.core.text import lazy_gettext as _l
from mobility.db import locked, utcnow
from mobility.extensions import db
from mobility.i18n.content import clean, present_locales
from mobility.i18n.locales import LANGUAGE_TITLES, LOCALES, is_valid_timezone, local_to_utc

# Culture Moves Europe, individual mobility, calls of 2025–26 (EUR): the table a new call starts from.
DEFAULT_RATES = {
    "daily_allowance": Decimal("85"),
    "green_travel_topup": Decimal("400"),
    "visa_topup": Decimal("120"),
    "family_topup_per_child": Decimal("200"),
    "accessibility_topup_per_day": Decimal("30"),
}
DEFAULT_BANDS = ((0, 5000, Decimal("400")), (5000, None, Decimal("800")))
DEFAULT_REQUIRED_TEXTS = [CallText.TITLE.value, CallText.SUMMARY.value, CallText.BODY.value]

# Criteria of EU expert evaluation, in every UI language, as a starting rubric.
DEFAULT_CRITERIA = (
    (_l("Artistic quality and relevance"), _l("Quality of the artistic project and its relevance to both cities.")),
    (_l("Exchange and co-creation"), _l("How the artists and the host work together and learn from each other.")),
    (_l("Impact and sustainability"), _l("What remains after the stay: audiences, partnerships, new work.")),
)

# The single table of allowed status changes (a CHECK on the column keeps unknown states out).
CALL = Lifecycle("call", Call, {
    CallStatus.DRAFT: {CallStatus.PUBLISHED},
    CallStatus.PUBLISHED: {CallStatus.CLOSED, CallStatus.DRAFT},
    CallStatus.CLOSED: {CallStatus.ARCHIVED, CallStatus.PUBLISHED},
    CallStatus.ARCHIVED: set(),
}, action="call.status_changed",
    refusal=lambda old, new: _l("A call that is %(old)s cannot become %(new)s.", old=old.title, new=new.title))
TRANSITIONS = CALL  # the older name: TRANSITIONS[status] is the set of next states


def _in_all_locales(text) -> dict[str, str]:
    texts = {}
    for locale in LOCALES:
        with force_locale(locale):
            texts[locale] = str(text)
    return texts


# ---- creating and editing -------------------------------------------------------------------

def create_call(actor, *, programme_id: int | None, kind: CallKind, title_en: str, pair_ids: Iterable[int],
                opens_local: datetime, closes_local: datetime, timezone: str) -> Call:
    """A draft call of one of the actor's programmes, with the default rate table and rubric; dates are
    wall-clock times in `timezone`."""
    _require_runnable_programme(actor, programme_id)
    title_en = clean_name(title_en) or ""
    if not title_en:
        raise DomainError(_l("Please give the call an English title."), field="title")
    opens_at, closes_at = _schedule(opens_local, closes_local, timezone)
    call = Call(programme_id=programme_id, kind=kind, status=CallStatus.DRAFT, title={"en": title_en},
                summary={}, body={},
                guidance={}, required_texts=list(DEFAULT_REQUIRED_TEXTS), required_locales=["en"],
                directions=[d.value for d in Direction],
                accepted_languages=[lang.value for lang in Language], created_by_id=actor.id,
                opens_at=opens_at, closes_at=closes_at, timezone=timezone, **DEFAULT_RATES)
    call.pairs = _pairs(pair_ids)
    call.distance_bands = [DistanceBand(min_km=lo, max_km=hi, amount=amount) for lo, hi, amount in DEFAULT_BANDS]
    call.criteria = [
        RubricCriterion(position=i, label=_in_all_locales(label), description=_in_all_locales(text),
                        weight=Decimal("1"), threshold=Decimal("3"), tie_break_rank=i + 1)
        for i, (label, text) in enumerate(DEFAULT_CRITERIA)
    ]
    call.overall_threshold = Decimal("10")
    db.session.add(call)
    db.session.flush()
    audit.record("call.created", actor=actor, target=call)
    return call


def move_call(actor, call: Call, programme_id: int | None) -> None:
    """The call goes to another of the actor's programmes, with everything in it (applications, jury,
    grants): from then on that programme's managers run it."""
    _require_runnable_programme(actor, programme_id)
    assert programme_id is not None  # the programme was found
    if programme_id == call.programme_id:
        return
    previous = call.programme_id
    call.programme_id = programme_id
    db.session.flush()
    memo.dashboard_changed(previous)
    memo.dashboard_changed(programme_id)
    audit.record("call.moved", actor=actor, target=call, from_programme=previous, to_programme=programme_id)


def _require_runnable_programme(actor, programme_id: int | None) -> None:
    if not runs_programme(actor, programme_id) or db.session.get(Programme, programme_id or 0) is None:
        raise DomainError(_l("Choose one of the programmes you run."), field="programme_id")


def _pairs(pair_ids: Iterable[int]) -> list[CityPair]:
    ids = sorted(set(pair_ids))
    pairs = list(db.session.scalars(select(CityPair).where(CityPair.id.in_(ids)))) if ids else []
    if not pairs or len(pairs) != len(ids):
        raise DomainError(_l("Choose at least one city pair."), field="pair_ids")
    return pairs


def _schedule(opens_local: datetime, closes_local: datetime, timezone: str) -> tuple[datetime, datetime]:
    """Opening and closing instants (UTC) from wall-clock times in the call's zone."""
    if not is_valid_timezone(timezone):
        raise DomainError(_l("Choose a time zone from the list, for example Asia/Seoul."), field="timezone")
    opens_at, closes_at = local_to_utc(opens_local, timezone), local_to_utc(closes_local, timezone)
    if closes_at <= opens_at:
        raise DomainError(_l("The call must close after it opens."), field="closes_at")
    return opens_at, closes_at


class TextsConflict(DomainError):
    """This language's texts were saved by someone else since the page was opened: both versions are shown
    (the person's own, as typed, and `theirs`), nothing is overwritten."""

    def __init__(self, theirs: dict[str, str]):
        super().__init__(_l("Someone else saved the texts in this language while you were editing. Their version "
                            "is shown beside yours: keep what you want in the form, then save again."))
        self.theirs = theirs


def texts_in(call: Call, locale: str) -> dict[str, str]:
    return {field.value: getattr(call, field.value).get(locale, "") for field in CallText}


def texts_digest(call: Call, locale: str) -> str:
    """What the edit page of one language was opened with: a save names it, and a change since is a conflict."""
    return content_hash(texts_in(call, locale))


def update_texts(actor, call: Call, locale: str, texts: Mapping[str, str | None], *,
                 seen: str | None = None) -> None:
    """Texts stay editable in every state: fixing a translation never harms applicants. Per language: the
    row is read again under its lock, so two managers saving two languages at once both keep their text, and
    `seen` (texts_digest() of the page as opened) turns a save over someone else's newer text of the same
    language into a TextsConflict instead of overwriting it."""
    if locale not in LOCALES:
        raise DomainError(_l("Choose one of the offered languages."), field="locale")
    call = locked(call)
    if seen is not None and seen != texts_digest(call, locale):
        raise TextsConflict(texts_in(call, locale))
    for field in CallText:
        current = dict(getattr(call, field.value))
        value = (texts.get(field.value) or "").strip()
        if field is CallText.TITLE:  # a name; the other texts keep their lines
            value = clean_name(value) or ""
        if value:
            current[locale] = value
        else:
            current.pop(locale, None)
        setattr(call, field.value, current)
    if call.status is not CallStatus.DRAFT:
        missing = missing_texts(call)
        if missing:
            raise DomainError(_l("A published call cannot lose a required text. Fill in every required text."),
                              field=missing[0][0])
    audit.record("call.texts_updated", actor=actor, target=call, locale=locale)


def update_settings(actor, call: Call, *, kind: CallKind, pair_ids: Iterable[int], directions: Iterable[str],
                    opens_local: datetime, closes_local: datetime, timezone: str, disciplines: Iterable[str],
                    accepted_languages: Iterable[str], required_texts: Iterable[str],
                    required_locales: Iterable[str], reviewers_per_application: int, blind_review: bool,
                    first_instalment_percent: int | None = None, appeal_days: int | None = None,
                    offer_days: int | None = None, review_due_local: datetime | None = None,
                    report_min_photos: int | None = None, interim_report_days: int | None | object = ...,
                    min_reviews_per_juror: int | None = None, same_city_conflict: bool | None = None,
                    shared_comments: SharedComments | None = None) -> None:
    opens_at, closes_at = _schedule(opens_local, closes_local, timezone)
    directions = [d for d in directions if d in {x.value for x in Direction}]
    if not directions:
        raise DomainError(_l("Allow at least one direction."), field="directions")
    accepted = [lang for lang in accepted_languages if lang in {x.value for x in Language}]
    if not accepted:
        raise DomainError(_l("Accept at least one application language."), field="accepted_languages")
    locales = [loc for loc in required_locales if loc in LOCALES]
    if not locales:
        raise DomainError(_l("Require the texts in at least one language."), field="required_locales")
    texts = [t for t in required_texts if t in {x.value for x in CallText}]
    if CallText.TITLE.value not in texts:
        raise DomainError(_l("The title is always required."), field="required_texts")
    if reviewers_per_application < 1 or reviewers_per_application > 20:
        raise DomainError(_l("Use a number from 1 to 20."), field="reviewers_per_application")
    locked = rubric_locked(call)
    if locked and (kind != call.kind or reviewers_per_application != call.reviewers_per_application
                   or blind_review != call.blind_review):
        raise DomainError(_l("Applications have been submitted: the kind of call and the review settings "
                             "can no longer change."), field="kind")
    call.kind = kind
    call.pairs = _pairs(pair_ids)
    call.directions = directions
    call.opens_at, call.closes_at, call.timezone = opens_at, closes_at, timezone
    wanted = [Discipline(d) for d in dict.fromkeys(disciplines) if d in {x.value for x in Discipline}]
    kept = [link for link in call.disciplines if link.discipline in wanted]
    call.disciplines = kept + [CallDiscipline(discipline=d) for d in wanted
                               if d not in {link.discipline for link in kept}]
    call.accepted_languages = accepted
    call.required_texts = texts
    call.required_locales = locales
    call.reviewers_per_application = reviewers_per_application
    call.blind_review = blind_review
    if same_city_conflict is not None:
        # Read by the next assignment run (and each freed seat filled): it may change at any time.
        call.same_city_conflict = bool(same_city_conflict)
    if min_reviews_per_juror is not None:
        # Only the next assignment run reads it: it may change at any time.
        if not 0 <= min_reviews_per_juror <= 500:
            raise DomainError(_l("Use a number from 0 to 500."), field="min_reviews_per_juror")
        call.min_reviews_per_juror = min_reviews_per_juror
    if first_instalment_percent is not None:
        if not 0 <= first_instalment_percent <= 100:
            raise DomainError(_l("Use a number from 0 to 100."), field="first_instalment_percent")
        call.first_instalment_percent = first_instalment_percent
    if appeal_days is not None:
        if not 0 <= appeal_days <= 365:
            raise DomainError(_l("Use a number from 0 to 365."), field="appeal_days")
        call.appeal_days = appeal_days
    if offer_days is not None:
        # Offers already sent keep their date; the next letters count with the new period.
        if not 1 <= offer_days <= 365:
            raise DomainError(_l("Use a number from 1 to 365."), field="offer_days")
        call.offer_days = offer_days
    if shared_comments is not None and shared_comments is not call.shared_comments:
        if call.panel_locked_at is not None:
            # The letters tell applicants what they read: it no longer changes once the panel has decided.
            raise DomainError(_l("The panel has locked its decisions: what applicants read can no longer "
                                 "change."), field="shared_comments")
        call.shared_comments = shared_comments
    if report_min_photos is not None:
        if not 0 <= report_min_photos <= 8:
            raise DomainError(_l("Use a number from 0 to 8."), field="report_min_photos")
        call.report_min_photos = report_min_photos
    if interim_report_days is not ...:
        if interim_report_days is not None and not (isinstance(interim_report_days, int)
                                                    and 1 <= interim_report_days <= 365):
            raise DomainError(_l("Use a number from 1 to 365, or leave it empty for no interim report."),
                              field="interim_report_days")
        call.interim_report_days = interim_report_days
    call.review_due_at = local_to_utc(review_due_local, timezone) if review_due_local else None
    if call.review_due_at is not None and call.review_due_at <= closes_at:
        raise DomainError(_l("Reviews can only be due after the call closes."), field="review_due_at")
    if call.status is CallStatus.PUBLISHED and missing_texts(call):
        raise DomainError(_l("A published call must have every required text. Add the texts first."),
                          field="required_locales")
    db.session.flush()
    memo.ranking_changed(call.id)
    memo.dashboard_changed(call.programme_id)  # the year a call counts in is its closing year
    audit.record("call.settings_updated", actor=actor, target=call)


# ---- frozen parts ----------------------------------------------------------------------------

def rubric_locked(call: Call) -> bool:
    """Once an application is in, changing how it is judged would be unfair to it."""
    return call.first_submission_at is not None


def _ensure_unlocked(call: Call, field: str | None = None) -> None:
    if rubric_locked(call):
        raise DomainError(_l("Applications have already been submitted to this call, so its rubric, "
                             "eligibility rules and questions can no longer change. Texts can still be edited."),
                          field=field)


def report_questions_locked(call: Call) -> bool:
    """Once a grantee has submitted a report, its questions stay as they were answered."""
    return call.first_report_submitted_at is not None


def questions_locked(call: Call, questionnaire: Questionnaire) -> bool:
    if questionnaire is Questionnaire.INTERIM:
        return call.first_interim_submitted_at is not None
    return rubric_locked(call) if questionnaire is Questionnaire.APPLICATION else report_questions_locked(call)


def questions_of(call: Call, questionnaire: Questionnaire) -> list[Question]:
    return {Questionnaire.APPLICATION: call.questions, Questionnaire.REPORT: call.report_questions,
            Questionnaire.INTERIM: call.interim_questions}[questionnaire]


def _ensure_questions_unlocked(call: Call, questionnaire: Questionnaire) -> None:
    if questionnaire is Questionnaire.APPLICATION:
        _ensure_unlocked(call)
    elif questionnaire is Questionnaire.INTERIM:
        if call.first_interim_submitted_at is not None:
            raise DomainError(_l("An interim report has already been submitted to this call, so its questions can "
                                 "no longer change."))
    elif report_questions_locked(call):
        raise DomainError(_l("A final report has already been submitted to this call, so its report questions "
                             "can no longer change."))


# ---- eligibility rules -----------------------------------------------------------------------

def save_rule(actor, call: Call, kind: RuleKind, raw_params: dict, rule: EligibilityRule | None = None
              ) -> EligibilityRule:
    _ensure_unlocked(call)
    params = rule_params.clean_params(kind, raw_params)
    if rule is None:
        rule = EligibilityRule(kind=kind, params=params, position=len(call.rules))
        call.rules.append(rule)
    else:
        rule.kind, rule.params = kind, params
    db.session.flush()
    audit.record("call.rule_saved", actor=actor, target=call, rule=rule.id, kind=kind.value)
    return rule


def delete_rule(actor, call: Call, rule: EligibilityRule) -> None:
    _ensure_unlocked(call)
    call.rules.remove(rule)
    audit.record("call.rule_deleted", actor=actor, target=call, kind=rule.kind.value)


# ---- questions -------------------------------------------------------------------------------

def save_question(actor, call: Call, *, kind: QuestionKind, required: bool, label: Mapping[str, str],
                  help: Mapping[str, str], max_length: int | None, options: list[dict],
                  condition_question_id: int | None, condition_value: str | None,
                  question: Question | None = None,
                  questionnaire: Questionnaire = Questionnaire.APPLICATION) -> Question:
    _ensure_questions_unlocked(call, questionnaire)
    siblings = questions_of(call, questionnaire)
    if questionnaire is not Questionnaire.APPLICATION and kind is QuestionKind.FILE:
        # A report has its own photo upload; other files are not collected with it.
        raise DomainError(_l("A report question cannot ask for a file: photos are added with the report."),
                          field="kind")
    label, help = clean(label), clean(help)
    if "en" not in label:
        raise DomainError(_l("Give the question an English label."), field="label_en")
    if max_length is not None and (not kind.is_text or max_length < 1):
        raise DomainError(_l("A length limit only applies to text questions and must be 1 or more."),
                          field="max_length")
    if kind.has_options:
        values = [o["value"] for o in options]
        if len(options) < 2 or len(set(values)) != len(values):
            raise DomainError(_l("Give at least two different options, one per line."), field="options_en")
    else:
        options = []
    if condition_question_id is not None:
        if question is not None and condition_question_id == question.id:
            raise DomainError(_l("A question cannot depend on its own answer."), field="condition_question_id")
        condition = next((q for q in siblings if q.id == condition_question_id), None)
        if condition is None:
            raise DomainError(_l("Choose a question of this call."), field="condition_question_id")
        if question is not None and condition.position >= question.position:
            raise DomainError(_l("A question can only depend on a question that comes before it."),
                              field="condition_question_id")
        if condition.kind.has_options and condition_value not in {o["value"] for o in condition.options}:
            raise DomainError(_l("Choose one of that question's options."), field="condition_value")
        if not (condition_value or "").strip():
            raise DomainError(_l("Say which answer makes this question appear."), field="condition_value")
    else:
        condition_value = None
    if question is None:
        question = Question(position=len(siblings), questionnaire=questionnaire)
        siblings.append(question)
    question.kind, question.required, question.label, question.help = kind, required, label, help
    question.max_length, question.options = max_length, options
    question.condition_question_id, question.condition_value = condition_question_id, condition_value
    db.session.flush()
    audit.record("call.question_saved", actor=actor, target=call, question=question.id,
                 questionnaire=questionnaire.value)
    return question


def delete_question(actor, call: Call, question: Question) -> None:
    _ensure_questions_unlocked(call, question.questionnaire)
    siblings = questions_of(call, question.questionnaire)
    dependants = [q for q in siblings if q.condition_question_id == question.id]
    if dependants:
        raise DomainError(_l("Other questions depend on this one. Change them first."))
    siblings.remove(question)
    for position, remaining in enumerate(siblings):
        remaining.position = position
    audit.record("call.question_deleted", actor=actor, target=call, question=question.id)


# ---- rubric ----------------------------------------------------------------------------------

def update_scale(actor, call: Call, *, scale_min: Decimal, scale_max: Decimal, scale_step: Decimal,
                 overall_threshold: Decimal | None) -> None:
    _ensure_unlocked(call, field="scale_min")
    if scale_min >= scale_max:
        raise DomainError(_l("The lowest score must be below the highest."), field="scale_max")
    if scale_step <= 0 or (scale_max - scale_min) % scale_step:
        raise DomainError(_l("The step must be positive and divide the scale evenly (e.g. 0.5 on 0–5)."),
                          field="scale_step")
    call.scale_min, call.scale_max, call.scale_step = scale_min, scale_max, scale_step
    for criterion in call.criteria:
        if criterion.threshold is not None and not scale_min <= criterion.threshold <= scale_max:
            raise DomainError(_l("A criterion threshold would fall outside the new scale: change it first."),
                              field="scale_max")
    if overall_threshold is not None and not (0 <= overall_threshold <= max_weighted_total(call)):
        raise DomainError(_l("The overall threshold must lie between 0 and the highest possible total "
                             "(%(max)s).", max=max_weighted_total(call)), field="overall_threshold")
    call.overall_threshold = overall_threshold
    memo.ranking_changed(call.id)
    audit.record("call.scale_updated", actor=actor, target=call)


def max_weighted_total(call: Call) -> Decimal:
    return sum((c.weight * call.scale_max for c in call.criteria), Decimal("0"))


def save_criterion(actor, call: Call, *, label: Mapping[str, str], description: Mapping[str, str],
                   weight: Decimal, threshold: Decimal | None, tie_break_rank: int | None,
                   criterion: RubricCriterion | None = None) -> RubricCriterion:
    _ensure_unlocked(call)
    label = clean(label)
    if "en" not in label:
        raise DomainError(_l("Give the criterion an English label."), field="label_en")
    if weight is None or weight <= 0:
        raise DomainError(_l("The weight must be more than zero."), field="weight")
    if threshold is not None and not call.scale_min <= threshold <= call.scale_max:
        raise DomainError(_l("The threshold must lie on the call's scale (%(min)s to %(max)s).",
                             min=call.scale_min.normalize(), max=call.scale_max.normalize()), field="threshold")
    if tie_break_rank is not None and tie_break_rank < 1:
        raise DomainError(_l("Use 1 for the first tie-break, 2 for the second, and so on."), field="tie_break_rank")
    others = [c for c in call.criteria if c is not criterion]
    if tie_break_rank is not None and any(c.tie_break_rank == tie_break_rank for c in others):
        raise DomainError(_l("Another criterion already has this place in the tie-break order."),
                          field="tie_break_rank")
    if criterion is None:
        criterion = RubricCriterion(position=len(call.criteria))
        call.criteria.append(criterion)
    criterion.label, criterion.description = label, clean(description)
    criterion.weight, criterion.threshold, criterion.tie_break_rank = weight, threshold, tie_break_rank
    db.session.flush()
    memo.ranking_changed(call.id)
    audit.record("call.criterion_saved", actor=actor, target=call, criterion=criterion.id)
    return criterion


def delete_criterion(actor, call: Call, criterion: RubricCriterion) -> None:
    _ensure_unlocked(call)
    call.criteria.remove(criterion)
    for position, remaining in enumerate(call.criteria):
        remaining.position = position
    memo.ranking_changed(call.id)
    audit.record("call.criterion_deleted", actor=actor, target=call, criterion=criterion.id)


# ---- budget and rates ------------------------------------------------------------------------

def set_budgets(actor, call: Call, amounts: Mapping[tuple[int, Direction], Decimal | None]) -> None:
    pair_ids = {p.id for p in call.pairs}
    by_key = {(b.pair_id, b.direction): b for b in call.budgets}
    for (pair_id, direction), amount in amounts.items():
        if pair_id not in pair_ids:
            continue
        if amount is not None and amount < 0:
            raise DomainError(_l("A budget cannot be negative."), field=f"budget_{pair_id}_{direction.value}")
        existing = by_key.get((pair_id, direction))
        if amount is None:
            if existing is not None:
                call.budgets.remove(existing)
        elif existing is None:
            call.budgets.append(CallBudget(pair_id=pair_id, direction=direction, amount=amount))
        else:
            existing.amount = amount
    db.session.flush()
    memo.ranking_changed(call.id)
    audit.record("call.budget_updated", actor=actor, target=call)


def set_rates(actor, call: Call, *, rates: Mapping[str, Decimal], bands: list[tuple[int, int | None, Decimal]],
              per_diems: Mapping[str, Decimal]) -> None:
    for name, value in rates.items():
        if name not in DEFAULT_RATES:
            continue
        if value is None or value < 0:
            raise DomainError(_l("Amounts cannot be negative."), field=name)
        setattr(call, name, value)
    _check_bands(bands)
    if any(amount < 0 for amount in per_diems.values()):
        raise DomainError(_l("Amounts cannot be negative."), field="per_diems")
    # Remove the old rows first: the new ones may reuse their unique (call, min_km) and (call, country).
    call.distance_bands.clear()
    call.per_diems.clear()
    db.session.flush()
    call.distance_bands = [DistanceBand(min_km=lo, max_km=hi, amount=amount) for lo, hi, amount in bands]
    call.per_diems = [PerDiemRate(country=c.upper(), amount=a) for c, a in sorted(per_diems.items())]
    db.session.flush()
    memo.ranking_changed(call.id)
    audit.record("call.rates_updated", actor=actor, target=call)


def _check_bands(bands: list[tuple[int, int | None, Decimal]]) -> None:
    """Bands start at 0 km, follow each other without gaps or overlaps, and only the last is open."""
    if not bands:
        raise DomainError(_l("Give at least one distance band."), field="bands")
    expected_start: int | None = 0  # None after an open-ended band
    for index, (low, high, amount) in enumerate(bands):
        last = index == len(bands) - 1
        if low != expected_start:
            raise DomainError(_l("Distance bands must start at 0 km and follow each other without gaps "
                                 "or overlaps."), field="bands")
        if amount < 0:
            raise DomainError(_l("Amounts cannot be negative."), field="bands")
        if high is None:
            if not last:
                raise DomainError(_l("Only the last band can be open-ended."), field="bands")
        elif high <= low:
            raise DomainError(_l("Each band must end after it starts."), field="bands")
        expected_start = high


# ---- the lifecycle ---------------------------------------------------------------------------

def missing_texts(call: Call) -> list[tuple[str, str]]:
    """(text, locale) pairs the call declares required and does not have yet."""
    return [(field, locale) for field in call.required_texts for locale in call.required_locales
            if locale not in present_locales(getattr(call, field))]


def publication_problems(call: Call) -> list[str]:
    """What stops publication, each as a translated sentence."""
    problems = []
    for field, locale in missing_texts(call):
        problems.append(str(_l("%(text)s is missing in %(language)s.", text=CallText(field).title,
                               language=_language_title(locale))))
    if not call.pairs:
        problems.append(str(_l("The call serves no city pair.")))
    if not call.criteria:
        problems.append(str(_l("The rubric has no criteria.")))
    if not call.accepted_languages:
        problems.append(str(_l("No application language is accepted.")))
    if not call.distance_bands:
        problems.append(str(_l("The rate table has no distance bands.")))
    return problems


def _language_title(locale: str) -> str:
    return str(LANGUAGE_TITLES[locale])


# Moves back to an earlier state: they reopen what the later state closed, so the office confirms them.
BACKWARDS = {(CallStatus.PUBLISHED, CallStatus.DRAFT), (CallStatus.CLOSED, CallStatus.PUBLISHED)}


def status_change_effects(call: Call, new_status: CallStatus) -> list:
    """What a move back to an earlier state reopens or takes away (sentences); [] for a move forwards."""
    if (call.status, new_status) not in BACKWARDS:
        return []
    if new_status is CallStatus.DRAFT:
        return [_l("The call leaves the public list: nobody can find it or start an application until it is "
                   "published again."),
                _l("Its texts, rules, questions and rubric can be changed again.")]
    if utcnow() < call.closes_at:
        return [_l("The call is public and open again: applications can be started, saved and submitted until "
                   "its deadline.")]
    return [_l("The call is public again, but its deadline has passed: to take applications again, move the "
               "deadline in the settings.")]


def set_call_status(actor, call: Call, new_status: CallStatus, *, confirmed: bool = False) -> None:
    """The one way a call changes state: the table, then what each target state needs. A move back (to draft,
    from closed to published) needs the office's confirmation of what it reopens (status_change_effects)."""
    CALL.check(call.status, new_status)
    if new_status is CallStatus.PUBLISHED:
        problems = publication_problems(call)
        if problems:
            raise DomainError(_l("The call cannot be published yet: %(problems)s",
                                 problems=" ".join(problems)))
        call.published_at = call.published_at or utcnow()
    if new_status is CallStatus.DRAFT and call.first_submission_at is not None:
        raise DomainError(_l("Applications have been submitted: the call cannot go back to draft."))
    if (call.status, new_status) in BACKWARDS and not confirmed:
        raise DomainError(_l("Going back to an earlier state reopens what it closed: confirm it first."))
    CALL.move(actor, call, new_status)
