"""Names people type lose control and format characters (core.text.clean_name), in every service that stores
a name: a right-to-left override cannot make "Anna‮gpj.exe" read as "Annaexe.jpg", nor a zero-width space
make two names look the same."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from mobility.core.text import clean_name
from tests.factories import make_application, make_call, make_user

RLO, LRI, PDI, ZWSP, BOM, BEL = "\u202e", "\u2066", "\u2069", "\u200b", "\ufeff", "\x07"
SPOOFED = f"  Anna{RLO}gpj.exe{LRI}x{PDI}{ZWSP}{BOM}{BEL}\u00ad\u2028 Li\tMei\n "
CLEAN = "Annagpj.exex Li Mei"


@pytest.mark.parametrize("raw, clean", [
    (SPOOFED, CLEAN),
    ("鎌倉\u200b市", "鎌倉市"),
    ("Nova\u00a0Gorica", "Nova Gorica"),           # a no-break space is ordinary whitespace
    ("می\u200cخواهم", "می\u200cخواهم"),             # ZWNJ shapes Persian words: kept
    ("👩\u200d🎨 Studio", "👩\u200d🎨 Studio"),       # ZWJ joins an emoji: kept
    ("\u202a\u202b\u202c\u202d\u2067\u2068\u200e\u200f", ""),
    ("  ", ""),
    (None, None),
])
def test_clean_name(raw, clean):
    assert clean_name(raw) == clean


@pytest.fixture
def ctx(app):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        yield


def test_every_stored_name_is_cleaned(app, ctx, db):
    from mobility.accounts import services as accounts
    from mobility.api import services as api
    from mobility.api.enums import TokenScope
    from mobility.applications import services as applications
    from mobility.calls import services as calls
    from mobility.calls.enums import CallKind
    from mobility.cities import services as cities
    from mobility.cities.enums import Programme as CityProgramme

    user = accounts.create_user(name=SPOOFED, email="anna@example.org", password="a long enough passphrase 42",
                                locale="en", timezone="Europe/Berlin")
    assert user.name == CLEAN
    accounts.update_profile(user, name=SPOOFED + "2", locale="en", timezone="Europe/Berlin", country=None,
                            home_city_id=None, skills={}, disciplines=[], affiliations=[])
    assert user.name == CLEAN + " 2"
    assert accounts.create_programme(None, "Office" + SPOOFED).name == "Office " + CLEAN
    manager = make_user("manager")
    call = make_call(actor=manager)  # (loads the reference cities first)
    assert api.create_token(manager, name=SPOOFED, scope=TokenScope.READ)[0].name == CLEAN
    city = cities.add_city(manager, programme=list(CityProgramme)[0], title_year=2031, name_en=SPOOFED,
                           name_local=SPOOFED, country="si", latitude=Decimal("45.9"), longitude=Decimal("13.6"),
                           names={"ko": SPOOFED, "ja": ZWSP})
    assert (city.name_en, city.name_local, city.names) == (CLEAN, CLEAN, {"ko": CLEAN})
    calls.update_texts(manager, call, "en", {"title": SPOOFED, "summary": "Line one\nline two"})
    assert call.title["en"] == CLEAN and call.summary["en"] == "Line one\nline two"
    assert calls.create_call(manager, programme_id=call.programme_id, kind=CallKind.CO_CREATION,
                             title_en=SPOOFED, pair_ids=[p.id for p in call.pairs], opens_local=datetime(2031, 1, 1),
                             closes_local=datetime(2031, 2, 1), timezone="Europe/Berlin").title["en"] == CLEAN
    application = make_application(host_organisation=SPOOFED, title=SPOOFED)
    assert application.host_organisation == CLEAN and application.title == CLEAN
    confirmation = applications.request_host_confirmation(application.applicant, application)
    applications.confirm_host(confirmation, name=SPOOFED)
    assert application.host_confirmed_name == CLEAN and confirmation.confirmed_name == CLEAN
    db.session.rollback()


def test_query_numbers_stay_inside_what_a_database_takes(app):
    from mobility.core.paging import MAX_INT, id_or_none, page_arg
    for raw, page in (("", 1), ("abc", 1), ("-3", 1), ("0", 1), ("7", 7), ("9" * 30, MAX_INT)):
        with app.test_request_context(f"/?page={raw}"):
            assert page_arg() == page
    assert [id_or_none(v) for v in ("", None, "None", "x", "0", "-1", "12", "9" * 30)] == \
        [None, None, None, None, None, None, 12, None]
