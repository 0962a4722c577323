"""A call's questions as data: the form field each becomes, how its answer is checked, what is missing.

Both the application form and the final report form are built from here, so a question behaves the same
wherever it is asked.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from wtforms import RadioField, StringField, TextAreaField

from mobility.accounts.forms import MultiCheckboxField
from mobility.calls.enums import QuestionKind
from mobility.calls.models import Question
from mobility.core.errors import DomainError
from mobility.core.text import lazy_gettext as _l
from mobility.i18n.content import localized


def text_length(text: str) -> int:
    """Characters as the applicant sees them: a line break counts once, CJK characters one each."""
    return len((text or "").replace("\r\n", "\n"))


def field_name(question: Question) -> str:
    return f"q_{question.id}"


def question_field(question: Question):
    """The WTForms field for `question` (None for file questions: they are answered with an upload)."""
    label = localized(question.label)
    kwargs: dict[str, Any] = {"description": localized(question.help), "render_kw": {}}
    if question.condition_question_id:
        kwargs["render_kw"].update({"data-condition-question": f"q_{question.condition_question_id}",
                                    "data-condition-value": question.condition_value})
    options = [(o["value"], localized(o["labels"]) or o["value"]) for o in question.options]
    kind = question.kind
    if kind is QuestionKind.SHORT_TEXT:
        if question.max_length:
            kwargs["render_kw"]["data-maxlength"] = question.max_length
        return StringField(label, **kwargs)
    if kind is QuestionKind.LONG_TEXT:
        kwargs["render_kw"]["rows"] = 8
        if question.max_length:
            kwargs["render_kw"]["data-maxlength"] = question.max_length
        return TextAreaField(label, **kwargs)
    if kind is QuestionKind.SINGLE_CHOICE:
        return RadioField(label, choices=options, validate_choice=False, **kwargs)
    if kind is QuestionKind.MULTIPLE_CHOICE:
        return MultiCheckboxField(label, choices=options, validate_choice=False, **kwargs)
    if kind is QuestionKind.DATE:
        return StringField(label, render_kw={**kwargs.pop("render_kw"), "type": "date"}, **kwargs)
    if kind is QuestionKind.NUMBER:
        return StringField(label, render_kw={**kwargs.pop("render_kw"), "inputmode": "decimal"}, **kwargs)
    return None


def add_question_fields(form_class: type, questions: Iterable[Question]) -> None:
    for question in questions:
        field = question_field(question)
        if field is not None:
            setattr(form_class, field_name(question), field)


def validated_answers(questions: Iterable[Question], raw: dict[str, object]) -> dict[str, object]:
    """The answers to keep, keyed by question id; a bad answer raises on its field."""
    answers: dict[str, object] = {}
    for question in questions:
        key = str(question.id)
        value = raw.get(key)
        name = field_name(question)
        if question.kind is QuestionKind.FILE or value in (None, "", []):
            continue
        if question.kind.is_text:
            text = str(value).replace("\r\n", "\n").strip()
            if question.max_length and text_length(text) > question.max_length:
                raise DomainError(_l("Use at most %(n)s characters (now %(count)s).", n=question.max_length,
                                     count=text_length(text)), field=name)
            answers[key] = text
        elif question.kind is QuestionKind.SINGLE_CHOICE:
            if value not in {o["value"] for o in question.options}:
                raise DomainError(_l("Choose one of the options."), field=name)
            answers[key] = value
        elif question.kind is QuestionKind.MULTIPLE_CHOICE:
            values = [v for v in (value if isinstance(value, list) else [value]) if v]
            if any(v not in {o["value"] for o in question.options} for v in values):
                raise DomainError(_l("Choose one of the options."), field=name)
            answers[key] = values
        elif question.kind is QuestionKind.NUMBER:
            try:
                answers[key] = str(Decimal(str(value).strip()))
            except InvalidOperation as exc:
                raise DomainError(_l("Enter a number."), field=name) from exc
        elif question.kind is QuestionKind.DATE:
            try:
                answers[key] = date.fromisoformat(str(value)).isoformat()
            except ValueError as exc:
                raise DomainError(_l("Enter a date."), field=name) from exc
    return answers


def question_is_shown(question: Question, answers: dict[str, object]) -> bool:
    """A conditional question counts only when the answer it depends on is the one it names."""
    if question.condition_question_id is None:
        return True
    answer = answers.get(str(question.condition_question_id))
    if isinstance(answer, list):
        return question.condition_value in answer
    return answer == question.condition_value


def unanswered(questions: Iterable[Question], answers: dict[str, object],
               attached: Collection[int] = frozenset()) -> list[Question]:
    """Required questions, shown by the answers given, that have no answer (or no file in `attached`)."""
    missing = []
    for question in questions:
        if not question.required or not question_is_shown(question, answers):
            continue
        answered = (question.id in attached if question.kind is QuestionKind.FILE
                    else answers.get(str(question.id)) not in (None, "", []))
        if not answered:
            missing.append(question)
    return missing


def answer_text(question: Question, answers: dict[str, object], locale: str | None = None) -> str:
    """An answer as a reader sees it: option labels in their language, lists joined."""
    value = answers.get(str(question.id))
    if value in (None, "", []):
        return ""
    if question.kind.has_options:
        values: list[Any] = value if isinstance(value, list) else [value]  # option values: strings
        return ", ".join(question.option_label(v, locale) for v in values)
    return str(value)
