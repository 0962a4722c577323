"""What the programme office's views act on: a call of one of *their* programmes.

The office's routes are open to every manager (`roles_required`); these helpers narrow each request to the
calls of the programmes the person runs (calls.policies.can_run_call): 404 for what does not exist, 403 for
another programme's call, whichever object (call, application, grant…) the route names.
"""
from __future__ import annotations

from flask import abort
from flask_login import current_user

from mobility.calls.models import Call
from mobility.calls.policies import can_run_call
from mobility.extensions import db


def require_running(call: Call) -> Call:
    if not can_run_call(current_user, call):
        abort(403)
    return call


def office_call(call_id: int, options=()) -> Call:
    return require_running(db.get_or_404(Call, call_id, options=list(options)))
