"""Two managers editing one call's texts: different languages at once both stay (PostgreSQL, in parallel);
the same language saved over someone else's newer text is a 409 that shows both versions and loses nothing."""
from __future__ import annotations

import re
import threading

import pytest

from mobility import create_app
from mobility.calls import services
from mobility.calls.models import Call
from mobility.extensions import db
from tests.conftest import IS_POSTGRES, Config, csrf_from
from tests.factories import make_call


def test_saving_over_a_newer_text_in_the_same_language_shows_both_versions(client, signed_in, db):
    manager = signed_in("manager")
    call = make_call(actor=manager)
    db.session.commit()
    page = client.get(f"/manage/calls/{call.id}/texts/ja").get_data(as_text=True)
    seen = re.search(r'name="seen" type="hidden" value="([0-9a-f]+)"', page).group(1)
    # Meanwhile a colleague saves the Japanese texts.
    services.update_texts(manager, call, "ja", {"title": "同僚のタイトル", "summary": "同僚の要約"})
    db.session.commit()
    mine = {"title": "私のタイトル", "summary": "私の要約", "body": "", "guidance": "", "seen": seen,
            "csrf_token": csrf_from(page)}
    response = client.post(f"/manage/calls/{call.id}/texts/ja", data=mine)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "私のタイトル" in html and "同僚のタイトル" in html  # mine in the form, theirs beside it
    assert "The version saved meanwhile" in html and "Differs" in html
    db.session.expire_all()
    assert db.session.get(Call, call.id).title["ja"] == "同僚のタイトル"  # nothing overwritten
    again = dict(mine, seen=re.search(r'name="seen" type="hidden" value="([0-9a-f]+)"', html).group(1),
                 csrf_token=csrf_from(html))
    assert client.post(f"/manage/calls/{call.id}/texts/ja", data=again).status_code == 302  # now knowingly
    db.session.expire_all()
    assert db.session.get(Call, call.id).title["ja"] == "私のタイトル"


@pytest.mark.skipif(not IS_POSTGRES, reason="concurrent transactions: PostgreSQL")
@pytest.mark.commits
def test_two_languages_saved_at_the_same_moment_both_stay(app):
    with app.test_request_context():
        call = make_call()
        manager_id = call.created_by_id
        db.session.commit()
        call_id = call.id

    class Pool(Config):
        SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 4}

    twin = create_app(Pool)
    rounds, errors = 10, []

    def edit(locale: str, start: threading.Barrier):
        with twin.app_context(), twin.test_request_context():
            from mobility.accounts.models import User

            actor = db.session.get(User, manager_id)
            for n in range(rounds):
                mine = db.session.get(Call, call_id)
                mine.title  # loaded before the other's save: the stale copy a lost update comes from
                start.wait()
                try:
                    services.update_texts(actor, mine, locale, {"title": f"{locale} {n}", "summary": f"{locale} {n}"})
                    db.session.commit()
                except Exception as error:  # noqa: BLE001
                    db.session.rollback()
                    errors.append(repr(error))
            db.session.remove()

    start = threading.Barrier(2)
    threads = [threading.Thread(target=edit, args=(locale, start)) for locale in ("zh_Hans", "ko")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with twin.app_context():
        stored = db.session.get(Call, call_id).title
        db.session.remove()
        db.engine.dispose()
    assert errors == []
    assert stored["zh_Hans"] == f"zh_Hans {rounds - 1}" and stored["ko"] == f"ko {rounds - 1}"
