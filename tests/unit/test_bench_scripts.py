"""The load scripts import (they are run by hand, not here), and the rush uploads what the app accepts."""
from __future__ import annotations

import random

from bench import pages, ranking, rush
from mobility.applications.attachments import detect_type


def test_the_rush_uploads_a_pdf_of_the_announced_size():
    data = rush.pdf_bytes(random.Random(1), rush.UPLOAD_BYTES)
    assert len(data) == rush.UPLOAD_BYTES and detect_type(data) == "application/pdf"
    assert callable(pages.main) and callable(rush.main) and callable(ranking.main)
