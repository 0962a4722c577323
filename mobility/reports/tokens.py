"""The signed link with which the host confirms a stay (no account needed)."""
from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from mobility.accounts.tokens import LinkExpired, LinkInvalid


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="report-host-confirm")


def make_report_host_token(report) -> str:
    return _serializer().dumps({"report": report.id})


def report_for_host_token(token: str, get_report):
    try:
        data = _serializer().loads(token, max_age=int(current_app.config["HOST_LINK_MAX_AGE"].total_seconds()))
    except SignatureExpired as exc:
        raise LinkExpired() from exc
    except BadSignature as exc:
        raise LinkInvalid() from exc
    report = get_report(data.get("report")) if isinstance(data, dict) else None
    if report is None:
        raise LinkInvalid()
    return report
