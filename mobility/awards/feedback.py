"""The evaluation summary an applicant reads after the panel has decided: the score per criterion and overall,
the thresholds, the jury's comments and the decision, in the applicant's language.

With an approved consensus report, its scores and feedback (English, and the applicant's language where the
rapporteur added it, each text marked with its language). Without one, the jurors' individual scores, never
their names ("Juror 1, 2 …"), and only the comments the call shares (`Call.shared_comments`).

Read only once the panel is locked (scores, consensus and decisions can no longer change then), so the page
and the letter read the same; nothing here writes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from mobility.applications.models import Application
from mobility.awards.enums import NoticeOutcome
from mobility.awards.models import DecisionNotice
from mobility.calls.enums import SharedComments
from mobility.calls.models import Call
from mobility.extensions import db
from mobility.i18n.locales import DEFAULT_LOCALE
from mobility.review import ranking
from mobility.review.enums import AssignmentStatus, Decision, ReviewStatus
from mobility.review.models import Assignment, ConsensusReport, PanelDecision, Review

HUNDREDTH = Decimal("0.01")

OUTCOME_OF = {Decision.AWARD: NoticeOutcome.AWARD, Decision.WAITLIST: NoticeOutcome.WAITLIST,
              Decision.REJECT: NoticeOutcome.REJECT}


@dataclass(frozen=True)
class Text:
    """A comment in one language (`language` is a UI locale or an application language code)."""

    text: str
    language: str | None

    @property
    def locale(self) -> str | None:
        """The UI locale of the language (a juror's comments are tagged "zh", the interface says "zh_Hans")."""
        return {"zh": "zh_Hans"}.get(self.language or "", self.language)


@dataclass
class CriterionLine:
    criterion_id: int
    label: dict
    weight: Decimal
    score: Decimal | None       # the consensus score, or the jurors' mean
    threshold: Decimal | None
    comments: list[Text] = field(default_factory=list)

    @property
    def below_threshold(self) -> bool:
        return self.threshold is not None and (self.score is None or self.score < self.threshold)


@dataclass
class JurorLine:
    """One juror's review, numbered, without a name."""

    number: int
    scores: dict[int, Decimal]
    total: Decimal
    comments: list[tuple[dict | None, Text]]  # (criterion label, or None for the overall comment)


@dataclass
class Summary:
    application: Application
    call: Call
    outcome: NoticeOutcome
    source: str                      # "consensus", "reviews" or "none"
    criteria: list[CriterionLine]
    overall: Decimal | None          # the weighted total (consensus), or the jurors' mean weighted total
    ranking_score: Decimal | None    # what the ranking compared with the threshold (normalised without consensus)
    overall_max: Decimal
    overall_threshold: Decimal | None
    passes: bool | None
    jurors: list[JurorLine]
    summary: list[Text]
    notice: DecisionNotice | None
    translation_locale: str | None = None  # the language the rapporteur added the feedback in, if any

    @property
    def has_scores(self) -> bool:
        return self.source != "none"

    @property
    def overall_below(self) -> bool:
        """The score the ranking compared with the call's overall threshold is below it."""
        compared = self.ranking_score if self.ranking_score is not None else self.overall
        return self.overall_threshold is not None and compared is not None and compared < self.overall_threshold


def outcome_of(application: Application) -> NoticeOutcome:
    """What the letter says: the panel's decision; shortlisted or undecided at the lock is not funded."""
    decision = db.session.get(PanelDecision, application.id)
    if decision is None:
        return NoticeOutcome.NOT_FUNDED
    return OUTCOME_OF.get(decision.decision, NoticeOutcome.NOT_FUNDED)


def _decimal(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _rounded(value: float | None) -> Decimal | None:
    if value is None or value != value:  # NaN: no score
        return None
    return Decimal(repr(value)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def _consensus_texts(english: str, translated: str, translation_locale: str | None) -> list[Text]:
    texts = [Text(english, DEFAULT_LOCALE)] if english else []
    if translated and translation_locale:
        texts.append(Text(translated, translation_locale))
    return texts


def summary_of(application: Application, rows: dict | None = None) -> Summary:
    """The applicant's evaluation summary. `rows`: the call's ranking rows by application id, when the caller
    reads many summaries of one call (the letters)."""
    call = application.call
    if rows is None:
        rows = {row.application_id: row for row in ranking.ranking_rows(call)}
    row = rows.get(application.id)
    consensus = db.session.scalar(select(ConsensusReport).where(
        ConsensusReport.application_id == application.id, ConsensusReport.approved_at.is_not(None)))
    reviews = db.session.scalars(
        select(Review).join(Assignment, Assignment.id == Review.assignment_id)
        .where(Assignment.application_id == application.id, Assignment.status == AssignmentStatus.ACCEPTED,
               Review.status == ReviewStatus.SUBMITTED)
        .order_by(Review.submitted_at, Review.id)).all()  # the reviews the ranking counts
    weights_total = sum((c.weight for c in call.criteria), Decimal("0"))
    criteria = [CriterionLine(c.id, c.label, c.weight, None, c.threshold) for c in call.criteria]
    jurors: list[JurorLine] = []
    summary: list[Text] = []
    overall: Decimal | None = None
    if consensus is not None:
        source = "consensus"
        locale = consensus.translation_locale
        for line in criteria:
            key = str(line.criterion_id)
            line.score = _decimal(consensus.scores.get(key))
            line.comments = _consensus_texts(consensus.comments.get(key, ""),
                                             consensus.comments_translation.get(key, ""), locale)
        summary = _consensus_texts(consensus.summary, consensus.summary_translation, locale)
        overall = sum((line.score * line.weight for line in criteria if line.score is not None), Decimal("0"))
        translated = locale if any(t.language == locale for line in criteria for t in line.comments) \
            or any(t.language == locale for t in summary) else None
    elif reviews:
        source = "reviews"
        shared = call.shared_comments
        labels = {c.id: c.label for c in call.criteria}
        for number, review in enumerate(reviews, start=1):
            scores = {line.criterion_id: value for line in criteria
                      if (value := _decimal(review.scores.get(str(line.criterion_id)))) is not None}
            total = sum((scores[line.criterion_id] * line.weight for line in criteria if line.criterion_id in scores),
                        Decimal("0"))
            comments: list[tuple[dict | None, Text]] = []
            if shared is SharedComments.ALL:
                comments += [(labels[c.id], Text(text, review.comment_language)) for c in call.criteria
                             if (text := (review.comments or {}).get(str(c.id)))]
            if shared in (SharedComments.ALL, SharedComments.OVERALL) and review.overall_comment:
                comments.append((None, Text(review.overall_comment, review.comment_language)))
            jurors.append(JurorLine(number, scores, total.quantize(HUNDREDTH), comments))
        for line in criteria:
            given = [j.scores[line.criterion_id] for j in jurors if line.criterion_id in j.scores]
            line.score = (sum(given, Decimal("0")) / len(given)).quantize(HUNDREDTH) if given else None
        overall = (sum((j.total for j in jurors), Decimal("0")) / len(jurors)).quantize(HUNDREDTH)
    else:
        source = "none"
    if consensus is None:
        translated = None
    ranking_score = None
    if row is not None:
        ranking_score = _rounded(row.consensus_total if consensus is not None else row.normalised_total)
    notice = db.session.get(DecisionNotice, application.id)
    return Summary(
        application=application, call=call, outcome=notice.outcome if notice else outcome_of(application),
        source=source, criteria=criteria, overall=overall.quantize(HUNDREDTH) if overall is not None else None,
        ranking_score=ranking_score, overall_max=(call.scale_max * weights_total).quantize(HUNDREDTH),
        overall_threshold=call.overall_threshold, passes=row.passes if row is not None else None,
        jurors=jurors, summary=summary, notice=notice, translation_locale=translated)
