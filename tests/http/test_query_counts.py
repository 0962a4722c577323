"""SQL statements per request on the pages that matter: few, and the same whatever the amount of data.

Counted with a `before_cursor_execute` listener, so the numbers are exact (never a time). The data come
from bench/data.py, the generator the benchmarks use, at two sizes.
"""
from __future__ import annotations

import re

from bench.data import PASSWORD, generate, page_urls
from mobility.core import memo
from mobility.extensions import db
from tests.conftest import _empty_tables, sign_in
from tests.databases import counting

LIMIT = 8


def measure(app, size: int) -> tuple[dict[str, int], dict[str, str]]:
    """Statements per page (and the pages) on a programme of `size` applications."""
    generate(applications=size, jurors=max(size // 20, 6), pairs=3, seed=size)
    db.session.commit()
    counts, bodies = {}, {}
    for name, (who, url) in page_urls().items():
        client = app.test_client()
        if who:
            assert sign_in(client, who, PASSWORD).status_code == 302
        client.get(url)  # the first request of a worker warms caches (translations, templates)
        memo.clear()  # the ranking computed from scratch, as after any change of scores
        with counting() as statements:
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        counts[name], bodies[name] = len(statements), response.get_data(as_text=True)
        with counting() as statements:
            assert client.get(url).status_code == 200
        counts[f"{name}, again"] = len(statements)
    return counts, bodies


def test_pages_make_few_queries_and_as_many_for_40_as_for_1200_applications(app):
    small, small_pages = measure(app, 40)
    _empty_tables()
    large, large_pages = measure(app, 1200)
    # The larger programme really shows more rows: 10 vs 300 applications in the call under review.
    assert small_pages["application list 250"].count('class="tag status-') == 10
    assert large_pages["application list"].count('class="tag status-') == 50
    assert large_pages["application list 250"].count('class="tag status-') == 250
    assert large_pages["juror list"].count("assignment-card") == 50  # a page of them; the next page is linked
    assert "page=2" in large_pages["juror list"] and small_pages["juror list"].count("assignment-card") < 50
    assert large_pages["ranking"].count('<td class="position">') == 50 and "page=2" in large_pages["ranking"]
    assert int(re.search(r"(\d+) applications in the ranking", large_pages["ranking"]).group(1)) > 250
    assert large == small
    assert max(large.values()) <= LIMIT, large
