"""One state machine per lifecycle: a table of allowed transitions and the one function that applies them.

Each domain module declares its lifecycles beside its services, e.g.

    GRANT = Lifecycle("grant", Grant, {OFFERED: {ACCEPTED, DECLINED}}, action="award.status_changed")

and every change of that status goes through `GRANT.move(actor, grant, ACCEPTED, ...)`: the guard (the
table), the change, the flush and the audit entry in one place. The verbs stay in the services; they check
who may act and what else must hold, decide whether a repeated request is simply answered with the existing
result (one-time actions are idempotent), and queue the mails of their verb.

Core imports no domain module: a lifecycle is given its model and its enum.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from typing import Any

from sqlalchemy import inspect

from mobility.core import audit
from mobility.core.errors import DomainError
from mobility.core.text import lazy_gettext as _l
from mobility.db import locked
from mobility.extensions import db

Refusal = Callable[[Any, Any], object]


def generic_refusal(old, new):
    return _l("The status “%(old)s” cannot change to “%(new)s”.", old=old.title, new=new.title)


# Every lifecycle by name: the test walks it to prove each table (allowed and refused pairs).
REGISTRY: dict[str, Lifecycle] = {}


class Lifecycle:
    """The allowed transitions of one status column, and the one way to change it."""

    def __init__(self, name: str, model: type, transitions: Mapping[Enum, Iterable[Enum]], *, action: str,
                 refusal: Refusal = generic_refusal, attribute: str = "status"):
        self.name = name
        self.model = model
        self.states: type[Enum] = type(next(iter(transitions)))
        missing = set(self.states) - set(transitions)
        if missing:
            raise ValueError(f"lifecycle {name}: no row for {sorted(m.value for m in missing)}")
        self.transitions: dict[Enum, frozenset[Enum]] = {old: frozenset(new) for old, new in transitions.items()}
        self.action = action
        self.refusal = refusal
        self.attribute = attribute
        if name in REGISTRY:
            raise ValueError(f"lifecycle {name} is declared twice")
        REGISTRY[name] = self

    def __repr__(self) -> str:
        return f"<Lifecycle {self.name}>"

    def __getitem__(self, old: Enum) -> frozenset[Enum]:
        """The states reachable from `old` (what a page offers as buttons)."""
        return self.transitions[old]

    def allows(self, old: Enum, new: Enum) -> bool:
        return new in self.transitions[old]

    def pairs(self) -> list[tuple[Enum, Enum]]:
        """Every (old, new) pair the table allows."""
        return [(old, new) for old, targets in self.transitions.items() for new in targets]

    def check(self, old: Enum, new: Enum, refusal=None) -> None:
        """Refuse a transition the table does not allow; `refusal` is the verb's own sentence, if it has one."""
        if not self.allows(old, new):
            raise DomainError(refusal if refusal is not None else self.refusal(old, new))

    def lock(self, obj):
        """`obj` under its row lock (mobility.db.locked): a repeated one-time action sees the first's result.
        Call it before changing `obj`."""
        return locked(obj)

    def state_of(self, obj) -> Enum:
        return getattr(obj, self.attribute)

    def move(self, actor, obj, new: Enum, *, action: str | None = None, target=None, refusal=None,
             **detail: Any) -> Enum:
        """Check the table against the state read under the row's lock, set the new state, flush, and audit
        (`target` is what the audit entry names, the object itself unless said). Returns the old state."""
        if inspect(obj).persistent:
            # Read the state again under the row lock, after writing what the verb changed so far: of two
            # requests moving the same row at once (archive and re-publish, accept and decline), the second
            # sees what the first did and is refused by the table instead of undoing it.
            db.session.flush()
            locked(obj)
        old = self.state_of(obj)
        self.check(old, new, refusal)
        setattr(obj, self.attribute, new)
        db.session.flush()
        audit.record(action or self.action, actor=actor, target=obj if target is None else target,
                     old=old.value, new=new.value, **detail)
        return old
