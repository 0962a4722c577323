"""Account services and policies, called directly."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from mobility.accounts import policies, services
from mobility.accounts.enums import Role
from mobility.accounts.models import User
from mobility.core.errors import DomainError
from mobility.core.models import AuditEntry, OutboxMessage
from tests.factories import PASSWORD


def _register(app, **overrides):
    values = dict(name="Chen Jing", email="Chen.Jing@Example.CN ", password=PASSWORD, locale="zh_Hans",
                  timezone="Asia/Shanghai")
    values.update(overrides)
    with app.test_request_context():
        return services.register_user(**values)


def test_registration_normalises_the_address_makes_an_applicant_and_queues_mail_in_their_language(app, db):
    user = _register(app)
    db.session.commit()
    assert user.email == "chen.jing@example.cn"
    assert user.roles == {Role.APPLICANT} and not user.email_confirmed
    mail = db.session.scalar(select(OutboxMessage))
    assert mail.recipient == user.email and mail.locale == "zh_Hans"
    assert "邮箱" in mail.subject and "/confirm/" in mail.body


@pytest.mark.parametrize("field, overrides", [
    ("name", {"name": "   "}),
    ("password", {"password": "short"}),
    ("password", {"password": "password1234"}),
    ("timezone", {"timezone": "Asia/Atlantis"}),
    ("locale", {"locale": "fr"}),
])
def test_registration_refuses_bad_input_on_the_right_field(app, db, field, overrides):
    with pytest.raises(DomainError) as error:
        _register(app, **overrides)
    assert error.value.field == field


def test_a_taken_address_makes_no_second_account_whatever_its_case(app, db, make_user):
    """Registering a taken address (in any case) creates nothing and mails the account's owner instead; the
    person registering learns nothing (tests/http/test_accounts.py)."""
    owner = make_user(email="taken@example.org")
    assert _register(app, email="TAKEN@example.org") is None
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    mail = db.session.scalars(select(OutboxMessage)).all()[-1]
    assert mail.recipient == owner.email and "register" in mail.subject.lower()
    with app.test_request_context(), pytest.raises(DomainError) as error:  # the admin's own path still says so
        services.create_user(name="X", email="TAKEN@example.org", password="a long enough passphrase 42",
                             locale="en", timezone="Europe/Berlin")
    assert error.value.field == "email"


def test_authenticate_audits_unknown_addresses_without_saying_which_part_was_wrong(app, db, make_user):
    user = make_user()
    messages = set()
    with app.test_request_context():
        for email, password in (("nobody@example.org", PASSWORD), (user.email, "wrong password!")):
            with pytest.raises(DomainError) as error:
                services.authenticate(email, password)
            messages.add(str(error.value.message))
        assert services.authenticate(user.email, PASSWORD) is user
    assert len(messages) == 1
    reasons = [e.detail["reason"] for e in db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "auth.sign_in_failed"))]
    assert reasons == ["unknown", "password"]


def test_an_unconfirmed_account_cannot_sign_in_and_gets_a_new_link(app, db, make_user):
    user = make_user(confirmed=False)
    with app.test_request_context(), pytest.raises(DomainError):
        services.authenticate(user.email, PASSWORD)
    assert db.session.scalar(select(OutboxMessage.recipient)) == user.email


def test_roles_are_granted_once_and_the_last_admin_stays(app, db, make_user):
    admin = make_user("admin")
    other = make_user()
    with app.test_request_context():
        services.grant_role(admin, other, Role.JUROR)
        services.grant_role(admin, other, Role.JUROR)
        assert other.roles == {Role.APPLICANT, Role.JUROR}
        with pytest.raises(DomainError):
            services.revoke_role(admin, admin, Role.ADMIN)
        services.grant_role(admin, other, Role.ADMIN)
        services.revoke_role(other, admin, Role.ADMIN)
    assert not admin.has_role(Role.ADMIN) and other.has_role(Role.ADMIN)


def test_policies(make_user, app):
    admin, manager, artist = make_user("admin"), make_user("manager"), make_user()
    assert policies.can_manage_roles(admin) and not policies.can_manage_roles(manager)
    assert policies.can_view_audit_log(admin) and not policies.can_view_audit_log(artist)
    assert policies.can_view_outbox(admin) and not policies.can_view_outbox(manager)
    assert policies.can_edit_profile(artist, artist) and not policies.can_edit_profile(admin, artist)
    from flask_login import AnonymousUserMixin

    assert not policies.can_manage_roles(AnonymousUserMixin())


def test_organisation_key_folds_case_width_and_spacing():
    assert services.organisation_key("  Ｓｅｏｕｌ   Arts  Foundation ") == "seoul arts foundation"
    assert services.organisation_key("東京藝術大学") == "東京藝術大学"


def test_user_lookup_is_by_normalised_address(make_user, db):
    user = make_user(email="someone@example.org")
    assert services.find_user_by_email(" SomeOne@Example.org ") is user
    assert db.session.scalar(select(User).where(User.email == "someone@example.org")) is user
