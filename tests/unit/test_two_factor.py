"""Two-factor sign-in, called directly: TOTP codes and their replay, recovery codes used once, set-up,
turning off, the administrator's reset, the sessions each of them ends, and the policies."""
from __future__ import annotations

import threading
import time

import pyotp
import pytest
from sqlalchemy import func, select

from mobility import create_app
from mobility.accounts import policies, sessions, twofactor
from mobility.accounts.models import RecoveryCode, User, UserSession
from mobility.core.errors import DomainError
from mobility.core.models import AuditEntry, OutboxMessage
from mobility.extensions import db as _db
from tests.conftest import IS_POSTGRES, Config
from tests.factories import make_user


@pytest.fixture(autouse=True)
def ctx(app):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        yield


def _code(secret: str, at: float | None = None) -> str:
    return pyotp.TOTP(secret).at(time.time() if at is None else at)


def _enabled(*roles: str) -> tuple[User, list[str]]:
    user = make_user(*roles)
    secret = twofactor.start_setup(user)
    # A code of the previous step: the tests that follow type the current one, a later step.
    codes = twofactor.confirm_setup(user, _code(secret, time.time() - 30))
    _db.session.commit()
    return user, codes


def _actions(user: User) -> list[str]:
    return list(_db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == user.id,
                                                                     AuditEntry.target_type == "User")
                                    .order_by(AuditEntry.id)))


# ---- codes ------------------------------------------------------------------------------------------------

def test_a_code_of_the_current_or_a_neighbouring_step_is_recognised_and_others_are_not():
    secret = twofactor.new_secret()
    now = time.time()
    step = pyotp.TOTP(secret).timecode(now)
    assert twofactor.code_step(secret, _code(secret, now), at=now) == step
    assert twofactor.code_step(secret, _code(secret, now - 30), at=now) == step - 1
    assert twofactor.code_step(secret, _code(secret, now + 30), at=now) == step + 1
    assert twofactor.code_step(secret, _code(secret, now - 120), at=now) is None  # too old
    wrong = f"{(int(_code(secret, now)) + 1) % 1_000_000:06d}"
    assert twofactor.code_step(secret, wrong, at=now) is None
    assert twofactor.code_step(secret, " " + _code(secret, now)[:3] + " " + _code(secret, now)[3:], at=now) == step
    for odd in ("", "12345", "1234567", "abcdef", "١٢٣٤٥٦", "\x00" * 6, "9" * 10_000):
        assert twofactor.code_step(secret, odd, at=now) is None


def test_a_code_is_accepted_once_and_an_earlier_one_after_it_is_refused():
    user, _codes = _enabled("manager")
    code = _code(user.totp_secret)
    assert twofactor.check_code(user, code) == "totp"
    with pytest.raises(DomainError) as replay:
        twofactor.check_code(user, code)
    assert replay.value.field == "code" and str(replay.value.message) == str(twofactor.USED_CODE)
    with pytest.raises(DomainError):  # the step before the one used: older, refused too
        twofactor.check_code(user, _code(user.totp_secret, time.time() - 30))
    _db.session.commit()
    assert _db.session.get(User, user.id).totp_last_step == twofactor.code_step(user.totp_secret, code)


def test_a_wrong_code_is_refused_with_its_own_message():
    user, _codes = _enabled("juror")
    with pytest.raises(DomainError) as wrong:
        twofactor.check_code(user, "000000" if _code(user.totp_secret) != "000000" else "111111")
    assert str(wrong.value.message) == str(twofactor.WRONG_CODE)


def test_recovery_codes_are_ten_hashed_and_each_works_once():
    user, codes = _enabled("manager")
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = _db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10
    for row in stored:
        assert row.code_hash.startswith("$argon2id$")
        assert all(code.replace("-", "") not in row.code_hash for code in codes)
    assert twofactor.check_code(user, codes[0]) == "recovery"
    with pytest.raises(DomainError):
        twofactor.check_code(user, codes[0])  # used
    assert twofactor.check_code(user, codes[1].upper().replace("-", " ")) == "recovery"  # as typed off paper
    assert twofactor.unused_recovery_codes(user) == 8
    with pytest.raises(DomainError):
        twofactor.check_code(user, codes[2], recovery=False)  # renewing the codes asks for the app's code


def test_new_recovery_codes_replace_the_old_ones():
    user, old = _enabled("manager")
    new = twofactor.regenerate_recovery_codes(user, _code(user.totp_secret))
    assert set(new).isdisjoint(old)
    with pytest.raises(DomainError):
        twofactor.check_code(user, old[3])
    assert twofactor.check_code(user, new[3]) == "recovery"
    assert "auth.recovery_codes_renewed" in _actions(user)


# ---- set-up, off, reset -----------------------------------------------------------------------------------

def test_set_up_needs_a_code_of_the_pending_secret_and_then_turns_it_on():
    user = make_user("applicant")
    with pytest.raises(DomainError):
        twofactor.confirm_setup(user, "123456")  # nothing started
    secret = twofactor.start_setup(user)
    assert not user.two_factor_enabled and user.totp_pending_secret == secret
    with pytest.raises(DomainError) as wrong:
        twofactor.confirm_setup(user, _code(twofactor.new_secret()))
    assert wrong.value.field == "code"
    codes = twofactor.confirm_setup(user, _code(secret))
    assert user.two_factor_enabled and user.totp_secret == secret and user.totp_pending_secret is None
    assert len(codes) == 10
    assert "otpauth://totp/" in twofactor.provisioning_uri(user, secret) and secret in twofactor.provisioning_uri(
        user, secret)
    with pytest.raises(DomainError):
        twofactor.start_setup(user)  # already on
    mail = _db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == user.email)
                              .order_by(OutboxMessage.id.desc()))
    assert mail is not None and "Two-factor" in mail.subject


def test_the_qr_code_is_an_inline_svg_made_here():
    svg = str(twofactor.qr_svg("otpauth://totp/Mobility:a%40example.org?secret=JBSWY3DPEHPK3PXP&issuer=Mobility"))
    assert svg.startswith("<svg") and "http" not in svg and "<script" not in svg and "style=" not in svg


def _live_session(user: User) -> UserSession:
    row = UserSession(user_id=user.id, token_hash=f"{user.id:064d}"[-64:])
    _db.session.add(row)
    _db.session.flush()
    return row


def test_turning_it_on_or_off_ends_the_other_sessions():
    user = make_user("juror")
    elsewhere = _live_session(user)
    secret = twofactor.start_setup(user)
    twofactor.confirm_setup(user, _code(secret, time.time() - 30))
    _db.session.flush()
    _db.session.refresh(elsewhere)
    assert elsewhere.revoked_at is not None
    again = UserSession(user_id=user.id, token_hash="b" * 64)
    _db.session.add(again)
    _db.session.flush()
    twofactor.disable(user, _code(user.totp_secret))
    _db.session.refresh(again)
    assert again.revoked_at is not None and not user.two_factor_enabled
    assert _db.session.scalar(select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == user.id)) == 0
    assert _actions(user)[-3:] == ["auth.two_factor_setup_started", "auth.two_factor_enabled",
                                   "auth.two_factor_disabled"][-3:]


def test_the_office_cannot_turn_it_off_where_it_is_required(app, monkeypatch):
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED_FOR_OFFICE", True)
    manager, _codes = _enabled("manager")
    with pytest.raises(DomainError):
        twofactor.disable(manager, _code(manager.totp_secret))
    assert manager.two_factor_enabled
    artist, _codes = _enabled("applicant")
    twofactor.disable(artist, _code(artist.totp_secret))  # optional for an artist, required or not
    assert not artist.two_factor_enabled


def test_an_administrator_resets_someone_elses_second_factor_audited_and_never_their_own():
    admin = make_user("admin")
    manager, codes = _enabled("manager")
    elsewhere = _live_session(manager)
    with pytest.raises(DomainError):
        twofactor.reset(manager, manager)  # not an admin
    with pytest.raises(DomainError):
        twofactor.reset(admin, admin)  # their own: another admin, or the operator's command
    twofactor.reset(admin, manager)
    _db.session.commit()
    assert not manager.two_factor_enabled and manager.totp_last_step is None
    _db.session.refresh(elsewhere)
    assert elsewhere.revoked_at is not None
    entry = _db.session.scalar(select(AuditEntry).where(AuditEntry.action == "auth.two_factor_reset"))
    assert entry.actor_id == admin.id and entry.target_id == manager.id
    assert _db.session.scalar(select(func.count()).select_from(RecoveryCode)
                              .where(RecoveryCode.user_id == manager.id)) == 0
    with pytest.raises(DomainError):
        twofactor.reset(admin, manager)  # nothing left to reset
    admin_user, _codes = _enabled("admin")
    twofactor.reset(None, admin_user)  # the operator's command (no actor), for the last administrator
    assert not admin_user.two_factor_enabled


def test_policies():
    admin, manager, juror = make_user("admin"), make_user("manager"), make_user("juror")
    assert policies.must_use_two_factor(manager, True) and policies.must_use_two_factor(admin, True)
    assert not policies.must_use_two_factor(juror, True) and not policies.must_use_two_factor(manager, False)
    assert policies.can_reset_two_factor(admin, manager) and not policies.can_reset_two_factor(admin, admin)
    assert not policies.can_reset_two_factor(manager, juror)


def test_the_half_signed_in_state_names_a_person_for_a_few_minutes_only(app, monkeypatch):
    user, _codes = _enabled("manager")
    twofactor.begin_pending(user, "/manage/calls")
    assert twofactor.pending_user() is user and twofactor.pending_next() == "/manage/calls"
    assert sessions.current_session_row() is None  # no session: signed in to nothing
    monkeypatch.setitem(app.config, "TWO_FACTOR_PENDING_SECONDS", -1)
    assert twofactor.pending_user() is None


# ---- two requests with one code at once (PostgreSQL) ------------------------------------------------------

class Crowded(Config):
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 12, "max_overflow": 2}


@pytest.mark.commits
@pytest.mark.skipif(not IS_POSTGRES, reason="concurrent transactions: PostgreSQL")
def test_one_code_sent_ten_times_at_once_is_accepted_once(app):
    user, codes = _enabled("manager")
    user_id, code, recovery = user.id, _code(user.totp_secret), codes[0]
    crowd = create_app(Crowded)
    start, outcomes = threading.Barrier(10), []

    def run(n: int):
        with crowd.app_context(), crowd.test_request_context():
            start.wait()
            try:
                outcomes.append(twofactor.check_code(_db.session.get(User, user_id), code if n % 2 else recovery))
                _db.session.commit()
            except DomainError:
                _db.session.rollback()
                outcomes.append("refused")
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with crowd.app_context():
        _db.engine.dispose()
    assert sorted(outcomes) == ["recovery", "refused", "refused", "refused", "refused", "refused", "refused",
                                "refused", "refused", "totp"]


@pytest.mark.commits
@pytest.mark.skipif(not IS_POSTGRES, reason="concurrent transactions: PostgreSQL")
def test_the_set_up_confirmed_twice_at_once_turns_it_on_once_with_one_set_of_codes(app):
    user = make_user("manager")
    secret = twofactor.start_setup(user)
    _db.session.commit()
    user_id, code = user.id, _code(secret)
    crowd = create_app(Crowded)
    start, outcomes = threading.Barrier(6), []

    def run(_n: int):
        with crowd.app_context(), crowd.test_request_context():
            start.wait()
            try:
                outcomes.append(twofactor.confirm_setup(_db.session.get(User, user_id), code))
                _db.session.commit()
            except DomainError:
                _db.session.rollback()
                outcomes.append("refused")
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with crowd.app_context():
        _db.engine.dispose()
    _db.session.expire_all()
    shown = [o for o in outcomes if o != "refused"]
    assert len(shown) == 1 and outcomes.count("refused") == 5, outcomes
    stored = _db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user_id)).all()
    assert len(stored) == 10
    assert twofactor.check_code(_db.session.get(User, user_id), shown[0][0]) == "recovery"
