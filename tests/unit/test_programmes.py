"""Programmes: who runs which call (policies), and the services that make programmes and name their managers."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from mobility.accounts import services
from mobility.accounts.policies import programme_scope, runs_programme
from mobility.accounts.queries import runnable_programmes
from mobility.applications.policies import can_screen_applications, can_view_application
from mobility.awards.policies import can_manage_grants
from mobility.calls.policies import can_run_call, can_view_call
from mobility.core.errors import DomainError
from mobility.core.models import AuditEntry
from mobility.review.policies import can_approve_consensus, can_manage_review, sees_identity_in_call
from tests.factories import make_application, make_call, make_programme, make_user


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def test_a_manager_runs_the_calls_of_their_programmes_and_no_other(ctx, db):
    ours = make_user("manager", programme="Chemnitz ⇄ Kamakura")
    theirs = make_user("manager", programme="Bourges ⇄ Jeonju")
    admin = make_user("admin")
    call = make_call(actor=ours)
    assert call.programme.name == "Chemnitz ⇄ Kamakura"

    for policy in (can_run_call, can_screen_applications, can_manage_grants, can_manage_review,
                   can_approve_consensus):
        assert policy(ours, call) and policy(admin, call)
        assert not policy(theirs, call), policy.__name__
    # The other office does not see the draft, nor who applied to a blind call.
    assert not can_view_call(theirs, call) and can_view_call(ours, call)
    call.blind_review = True
    assert sees_identity_in_call(ours, call) and not sees_identity_in_call(theirs, call)


def test_an_application_is_seen_by_its_own_programme_office_only(ctx, db):
    ours = make_user("manager", programme="Ours")
    theirs = make_user("manager", programme="Theirs")
    application = make_application(call=make_call(actor=ours, publish=True))
    assert can_view_application(ours, application)
    assert not can_view_application(theirs, application)


def test_a_manager_without_a_programme_runs_nothing_and_an_admin_everything(ctx, db):
    loose = make_user("manager", programme=None)
    admin = make_user("admin")
    applicant = make_user("applicant")
    call = make_call()
    assert not can_run_call(loose, call) and programme_scope(loose) == frozenset()
    assert runnable_programmes(loose) == []
    assert programme_scope(admin) is None and can_run_call(admin, call)
    assert [p.name for p in runnable_programmes(admin)] == ["Test programme"]
    # Membership alone is not enough: the manager role is needed too.
    make_programme("Test programme", managers=[applicant])
    assert not runs_programme(applicant, call.programme_id)


def test_creating_a_programme_checks_its_name_and_is_audited(ctx, db):
    admin = make_user("admin")
    programme = services.create_programme(admin, "  Matera   ⇄ Kanazawa ")
    assert programme.name == "Matera ⇄ Kanazawa"
    for bad, message in (("   ", "Give the programme a name."),
                         ("matera ⇄ kanazawa", "There is already a programme with this name.")):
        with pytest.raises(DomainError) as error:
            services.create_programme(admin, bad)
        assert (error.value.field, str(error.value.message)) == ("name", message)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "programme.created"))
    assert (entry.actor_id, entry.target_id) == (admin.id, programme.id)


def test_only_managers_join_a_programme_and_leaving_ends_their_access(ctx, db):
    admin = make_user("admin")
    programme = services.create_programme(admin, "Matera ⇄ Kanazawa")
    manager = make_user("manager", programme=None, email="anna@example.org")
    make_user("applicant", email="artist@example.org")
    db.session.commit()
    call = make_call(actor=admin, programme=programme)

    for email, message in (("nobody@example.org", "Nobody has an account with this e-mail address."),
                           ("artist@example.org", "is not a programme manager")):
        with pytest.raises(DomainError) as error:
            services.add_programme_manager(admin, programme, email)
        assert error.value.field == "email" and message in str(error.value.message)

    assert services.add_programme_manager(admin, programme, " Anna@Example.org ") == manager
    services.add_programme_manager(admin, programme, "anna@example.org")  # twice: still one membership
    db.session.commit()
    assert programme.managers == [manager] and can_run_call(manager, call)

    services.remove_programme_manager(admin, programme, manager)
    db.session.commit()
    db.session.refresh(manager)
    assert not can_run_call(manager, call)
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("programme.manager%"))
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["programme.manager_added", "programme.manager_removed"]


def test_a_call_is_created_only_in_a_programme_the_actor_runs(ctx, db):
    from datetime import datetime

    from mobility.calls.enums import CallKind
    from mobility.calls.services import create_call
    from tests.factories import make_pair

    manager = make_user("manager", programme="Ours")
    elsewhere = make_programme("Theirs")
    pair = make_pair(actor=manager)
    values = dict(kind=CallKind.RESIDENCY, title_en="T", pair_ids=[pair.id], opens_local=datetime(2027, 3, 1),
                  closes_local=datetime(2027, 4, 1), timezone="Europe/Berlin")
    for programme_id in (elsewhere.id, None, 999_999):
        with pytest.raises(DomainError) as error:
            create_call(manager, programme_id=programme_id, **values)
        assert error.value.field == "programme_id"
    assert create_call(manager, programme_id=manager.programmes[0].id, **values).programme.name == "Ours"


def test_a_managers_data_download_names_the_programmes_they_run(ctx, db):
    from mobility.privacy.services import personal_data

    manager = make_user("manager", programme="Matera ⇄ Kanazawa")
    assert personal_data(manager)["programmes_managed"] == [{"id": manager.programmes[0].id,
                                                             "name": "Matera ⇄ Kanazawa"}]


def test_moving_a_call_needs_both_programmes_and_is_audited(ctx, db):
    from mobility.calls.services import move_call

    manager = make_user("manager", programme="Ours")
    call = make_call(actor=manager)
    ours_id = call.programme_id
    theirs = make_programme("Theirs")
    with pytest.raises(DomainError) as error:
        move_call(manager, call, theirs.id)
    assert error.value.field == "programme_id" and call.programme.name == "Ours"
    make_programme("Theirs", managers=[manager])
    move_call(manager, call, theirs.id)
    db.session.commit()
    assert call.programme.name == "Theirs"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "call.moved"))
    assert entry.detail == {"from_programme": str(ours_id), "to_programme": str(theirs.id)}
