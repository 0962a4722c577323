"""Admins grant and revoke roles and read the audit log and the outbox."""
from __future__ import annotations

from sqlalchemy import select

from mobility.accounts.enums import Role
from mobility.core.models import AuditEntry
from tests.conftest import csrf_from


def _token(client):
    return csrf_from(client.get("/admin/users").get_data(as_text=True))


def test_admin_grants_and_revokes_a_role_and_it_is_audited(client, db, signed_in, make_user):
    admin = signed_in("admin")
    juror = make_user(name="Tanaka Yuki")
    response = client.post(f"/admin/users/{juror.id}/roles/grant", data={"role": "juror", "csrf_token": _token(client)})
    assert response.status_code == 302
    db.session.refresh(juror)
    assert juror.has_role(Role.JUROR)

    client.post(f"/admin/users/{juror.id}/roles/revoke", data={"role": "juror", "csrf_token": _token(client)})
    db.session.refresh(juror)
    assert not juror.has_role(Role.JUROR)

    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("role.%"))
                                 .order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_id, e.target_id, e.detail["role"]) for e in entries] == [
        ("role.granted", admin.id, juror.id, "juror"), ("role.revoked", admin.id, juror.id, "juror")]
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Role granted" in page and "127.0.0.1" in page and "UTC" in page


def test_the_last_admin_keeps_the_admin_role(client, db, signed_in):
    admin = signed_in("admin")
    response = client.post(f"/admin/users/{admin.id}/roles/revoke", data={"role": "admin",
                                                                         "csrf_token": _token(client)})
    assert response.status_code == 302
    db.session.refresh(admin)
    assert admin.has_role(Role.ADMIN)
    assert "last administrator" in client.get("/admin/users").get_data(as_text=True)


def test_unknown_role_or_action_is_a_bad_request(client, signed_in, make_user):
    signed_in("admin")
    other = make_user()
    assert client.post(f"/admin/users/{other.id}/roles/grant", data={"role": "emperor",
                                                                     "csrf_token": _token(client)}).status_code == 400
    assert client.post(f"/admin/users/{other.id}/roles/steal", data={"role": "juror",
                                                                     "csrf_token": _token(client)}).status_code == 400
    assert client.post("/admin/users/999999/roles/grant", data={"role": "juror",
                                                                "csrf_token": _token(client)}).status_code == 404


def test_a_manager_cannot_grant_roles_or_read_the_log(client, db, signed_in, make_user):
    manager = signed_in("manager")
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.post(f"/admin/users/{manager.id}/roles/grant",
                       data={"role": "admin", "csrf_token": token}).status_code == 403
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/outbox").status_code == 403
    db.session.refresh(manager)
    assert not manager.has_role(Role.ADMIN)


def test_outbox_page_shows_queued_mail(client, signed_in, make_user):
    signed_in("admin")
    user = make_user()
    token = csrf_from(client.get("/").get_data(as_text=True))
    client.post("/sign-out", data={"csrf_token": token})
    client.post("/forgot-password", data={"email": user.email,
                                          "csrf_token": csrf_from(client.get("/forgot-password").get_data(as_text=True))})
    signed_in("admin")
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert user.email in page and "/reset-password/" in page


def test_people_search_finds_cjk_names(client, signed_in, make_user):
    signed_in("admin")
    make_user(name="王小明")
    make_user(name="Someone Else")
    page = client.get("/admin/users?q=小明").get_data(as_text=True)
    assert "王小明" in page and "Someone Else" not in page
