"""Demo city pairs (illustrative: real ECoC–CCEA pairings do not exist yet) and the programme's three rounds."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from mobility.calls.enums import CallKind, QuestionKind
from mobility.cities import services as cities
from mobility.cities.models import City, CityPair
from mobility.db import utcnow
from mobility.demo_programme import (
    DECIDED_TEXTS,
    PROGRAMME_AGE_DAYS,
    REVIEW_TEXTS,
    decided_round,
    find_call,
    make_call,
    on,
    open_round_drafts,
    review_round,
)
from mobility.demo_programme import cast as programme_cast
from mobility.extensions import db
from mobility.review import services as review

ILLUSTRATIVE = {
    "en": "An illustrative pair for the demonstration: both cities hold their culture-city title in the same "
          "year, and their artists could travel to each other for research, residencies and co-creation.",
    "zh_Hans": "演示用的示例结对：两座城市在同一年获得文化城市称号，艺术家可以互访，开展调研、驻地与共创。",
    "ja": "デモ用の例示的なペアです。両都市は同じ年に文化都市の称号を持ち、アーティストが互いの都市を訪れて、"
          "リサーチ、レジデンス、共同制作を行うことができます。",
    "ko": "시연을 위한 예시 결연입니다. 두 도시는 같은 해에 문화도시 칭호를 받았으며, 예술가들이 서로의 도시를 "
          "방문해 리서치, 레지던시, 공동 창작을 할 수 있습니다.",
}

DEMO_PAIRS = (
    (("ECoC", 2025, "Chemnitz"), ("CCEA", 2025, "Kamakura"), 2025, 2027),
    (("ECoC", 2025, "Nova Gorica"), ("CCEA", 2025, "Huzhou"), 2025, 2027),
    (("ECoC", 2026, "Oulu"), ("CCEA", 2026, "Andong"), 2026, 2028),
)

CALL_TEXTS = {
    "title": {
        "en": "Residencies between Chemnitz and Kamakura 2027",
        "zh_Hans": "开姆尼茨与镰仓之间的艺术驻地 2027",
        "ja": "ケムニッツと鎌倉のあいだのレジデンス 2027",
        "ko": "켐니츠–가마쿠라 레지던시 2027",
    },
    "summary": {
        "en": "Four to eight weeks in the partner city for artists of Chemnitz and Kamakura, with travel, "
              "a daily allowance and a host organisation.",
        "zh_Hans": "面向开姆尼茨与镰仓艺术家的四至八周驻地，提供旅费、每日津贴和接待机构。",
        "ja": "ケムニッツと鎌倉のアーティストが相手の都市に4〜8週間滞在します。渡航費、日当、受け入れ団体が用意されます。",
        "ko": "켐니츠와 가마쿠라 예술가가 상대 도시에서 4~8주간 머무는 레지던시로, 여비와 일비, 초청 기관을 지원합니다.",
    },
    "body": {
        "en": "Artists living in Chemnitz may spend a residency in Kamakura, and artists living in Kamakura "
              "may spend one in Chemnitz.\n\nA host organisation in the other city welcomes you, offers a place "
              "to work and introduces you to local artists and audiences. At the end of your stay you share "
              "what you made, in an open studio, a performance or a publication.",
        "zh_Hans": "居住在开姆尼茨的艺术家可以前往镰仓驻地，居住在镰仓的艺术家也可以前往开姆尼茨。\n\n"
                   "对方城市的接待机构将为你提供工作空间，并介绍当地的艺术家和观众。驻地结束时，"
                   "你将通过开放工作室、演出或出版物分享创作成果。",
        "ja": "ケムニッツ在住のアーティストは鎌倉で、鎌倉在住のアーティストはケムニッツでレジデンスを行うことができます。"
              "\n\n相手の都市の受け入れ団体が制作の場を用意し、地元のアーティストや観客を紹介します。"
              "滞在の最後には、オープンスタジオや公演、出版物などで成果を共有していただきます。",
        "ko": "켐니츠에 사는 예술가는 가마쿠라에서, 가마쿠라에 사는 예술가는 켐니츠에서 레지던시를 할 수 있습니다."
              "\n\n상대 도시의 초청 기관이 작업 공간을 제공하고 현지 예술가와 관객을 소개합니다. "
              "체류가 끝날 때에는 오픈 스튜디오, 공연, 출판물 등으로 작업을 공유합니다.",
    },
}

REPORT_QUESTIONS: tuple[dict[str, Any], ...] = (
    {"kind": QuestionKind.SINGLE_CHOICE, "required": True,
     "label": {"en": "Will you keep working with your host?", "zh_Hans": "你会继续与接待机构合作吗？",
               "ja": "受け入れ団体との協働は続きますか？", "ko": "초청 기관과 협업을 이어 가시나요?"},
     "options": [
         {"value": "planned", "labels": {"en": "Yes, a next project is planned", "zh_Hans": "会，已计划下一个项目",
                                         "ja": "はい、次のプロジェクトを計画しています",
                                         "ko": "네, 다음 프로젝트를 계획하고 있습니다"}},
         {"value": "maybe", "labels": {"en": "Perhaps", "zh_Hans": "也许", "ja": "たぶん", "ko": "아마도"}},
         {"value": "no", "labels": {"en": "No", "zh_Hans": "不会", "ja": "いいえ", "ko": "아니요"}}]},
    {"kind": QuestionKind.LONG_TEXT, "required": False, "options": [],
     "label": {"en": "What would you tell the next artist who goes to the same city?",
               "zh_Hans": "你想对下一位去同一座城市的艺术家说些什么？",
               "ja": "同じ都市へ行く次のアーティストに伝えたいことは？",
               "ko": "같은 도시로 갈 다음 예술가에게 해 주고 싶은 말은?"}},
)


def _city(key) -> City | None:
    programme, year, name = key
    return db.session.scalar(select(City).where(City.programme == programme, City.title_year == year,
                                                City.name_en == name))


def load_demo_pairs(manager) -> list[CityPair]:
    """The illustrative pairs (made once)."""
    pairs = []
    for europe_key, east_asia_key, start, end in DEMO_PAIRS:
        europe, east_asia = _city(europe_key), _city(east_asia_key)
        assert europe is not None and east_asia is not None  # the reference cities are loaded first
        pair = db.session.scalar(select(CityPair).where(CityPair.europe_city_id == europe.id,
                                                        CityPair.east_asia_city_id == east_asia.id))
        if pair is None:
            pair = cities.save_pair(manager, europe_city_id=europe.id, east_asia_city_id=east_asia.id,
                                    start_year=start, end_year=end, illustrative=True, description=ILLUSTRATIVE)
        pairs.append(pair)
    return pairs


def load_demo_rounds(manager, juror, artist, programme, pairs: list[CityPair], password: str,
                     password_hash: str | None = None) -> None:
    """The three rounds of the demo programme (decided, in review, open), each built whole or found by its
    title (safe to run twice)."""
    rounds = (DECIDED_TEXTS, REVIEW_TEXTS, CALL_TEXTS)
    missing = [find_call(texts["title"]["en"]) is None for texts in rounds]
    if not any(missing):
        return
    today = utcnow().date()
    with on(today - timedelta(days=PROGRAMME_AGE_DAYS - 10)):  # the jury and the artists join the programme
        people = programme_cast(manager, juror, artist, pairs[0], password, password_hash)
    if missing[0]:
        decided_round(people, programme.id, pairs[0], today, REPORT_QUESTIONS)
    if missing[1]:
        review_round(people, programme.id, pairs[0], today)
    if missing[2]:
        call = make_call(people, programme.id, pairs[0], CALL_TEXTS, CallKind.RESIDENCY, today - timedelta(days=7),
                         today + timedelta(days=60), (28, 56), Decimal("48000"), REPORT_QUESTIONS)
        with on(today - timedelta(days=7)):
            review.add_juror(manager, call, juror, 20)
        open_round_drafts(people, call, pairs[0], today)
