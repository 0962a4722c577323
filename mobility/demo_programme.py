"""A whole programme for the demo, played through the services on the app's clock (`db.clock_at`): a round
decided some ten months ago whose grants have been paid and reported on since, a round in review now, and drafts in
the open round. Every date is counted from the day of the load, so the programme looks the same whenever it
is loaded: the decided round's stays are over, its reports are due, approved or overdue.

Deterministic (a fixed random seed): two loads on the same day make the same programme, and a second load
finds each round already there and adds nothing."""
from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from mobility.accounts import services as accounts
from mobility.accounts.enums import Discipline, Language, Level, Role
from mobility.accounts.models import User
from mobility.accounts.passwords import hash_password
from mobility.applications import services as applications
from mobility.applications.enums import ApplicationStatus, ScreeningReason
from mobility.applications.models import Application
from mobility.awards import services as awards
from mobility.awards.enums import GrantStatus
from mobility.awards.models import Grant
from mobility.calls import services as calls
from mobility.calls.enums import CallKind, CallStatus, QuestionKind, Questionnaire, RuleKind
from mobility.calls.models import Call
from mobility.cities.enums import Direction
from mobility.cities.models import City, CityPair
from mobility.db import clock_at
from mobility.demo_texts import DECIDED, DISCIPLINES, DRAFTS, EARLY, HOSTS, IN_REVIEW
from mobility.extensions import db
from mobility.reports import services as reports
from mobility.reports.enums import Sector, TravelMode
from mobility.review import services as review
from mobility.review.enums import AssignmentStatus, Decision, PhaseKind
from mobility.review.models import Assignment
from mobility.review.ranking import compute_ranking_rows

PROGRAMME_AGE_DAYS = 450  # the office, its people and its pairs were set up this long before the load
LOCALE_OF = {"en": "en", "zh": "zh_Hans", "ja": "ja", "ko": "ko"}
ZONE_OF = {"eu": "Europe/Berlin", "ea": "Asia/Tokyo"}

DECIDED_TEXTS = {
    "title": {"en": "Residencies between Chemnitz and Kamakura 2026",
              "zh_Hans": "开姆尼茨与镰仓之间的艺术驻地 2026",
              "ja": "ケムニッツと鎌倉のあいだのレジデンス 2026", "ko": "켐니츠–가마쿠라 레지던시 2026"},
    "summary": {"en": "The first round: four to eight weeks in the partner city, with travel, a daily allowance "
                      "and a host organisation.",
                "zh_Hans": "第一轮：在对方城市驻地四至八周，提供旅费、每日津贴和接待机构。",
                "ja": "第1回：相手の都市に4〜8週間滞在します。渡航費、日当、受け入れ団体が用意されます。",
                "ko": "첫 번째 공모: 상대 도시에서 4~8주간 머물며 여비, 일비, 초청 기관을 지원받습니다."},
    "body": {"en": "Artists of Chemnitz spend a residency in Kamakura, and artists of Kamakura one in Chemnitz. "
                   "At the end of the stay they share what they made.",
             "zh_Hans": "开姆尼茨的艺术家前往镰仓驻地，镰仓的艺术家前往开姆尼茨。驻地结束时分享创作成果。",
             "ja": "ケムニッツのアーティストは鎌倉で、鎌倉のアーティストはケムニッツで滞在制作を行い、最後に成果を共有します。",
             "ko": "켐니츠의 예술가는 가마쿠라에서, 가마쿠라의 예술가는 켐니츠에서 레지던시를 하고 마지막에 작업을 공유합니다."},
}
REVIEW_TEXTS = {
    "title": {"en": "Research trips between Chemnitz and Kamakura 2027",
              "zh_Hans": "开姆尼茨与镰仓之间的调研之旅 2027",
              "ja": "ケムニッツと鎌倉のあいだのリサーチ渡航 2027", "ko": "켐니츠–가마쿠라 리서치 여행 2027"},
    "summary": {"en": "One to three weeks to prepare a project with a partner in the other city.",
                "zh_Hans": "用一至三周时间，与对方城市的伙伴一起筹备项目。",
                "ja": "1〜3週間、相手の都市のパートナーとプロジェクトの準備をします。",
                "ko": "1~3주 동안 상대 도시의 파트너와 함께 프로젝트를 준비합니다."},
    "body": {"en": "Short research trips: meet a partner, visit places, prepare a residency or a co-creation.",
             "zh_Hans": "短期调研：结识伙伴、实地考察，为驻地或共创做准备。",
             "ja": "短期のリサーチ渡航です。パートナーと会い、現地を訪ね、レジデンスや共同制作の準備をします。",
             "ko": "짧은 리서치 여행입니다. 파트너를 만나고 현장을 둘러보며 레지던시나 공동 창작을 준비합니다."},
}
HOST_QUESTION = {"en": "How will you work with your host?", "zh_Hans": "你将如何与接待机构合作？",
                 "ja": "受け入れ団体とどのように協働しますか？", "ko": "초청 기관과 어떻게 협업하시나요?"}

# The jury: (e-mail, name, locale, home city (programme, year, name), languages read and written, disciplines,
# organisation, the language they write their reviews in). The demo juror (juror@…) is in it too.
JURY = (
    ("aino.laine@mobility.example.org", "Aino Laine", "en", "Europe/Helsinki", ("ECoC", 2026, "Oulu"),
     {Language.EN: (Level.FLUENT, Level.FLUENT), Language.JA: (Level.WORKING, Level.BASIC)},
     (Discipline.DANCE, Discipline.PERFORMING_ARTS), "Oulu Dance Centre", "en"),
    ("chiara.bressan@mobility.example.org", "Chiara Bressan", "en", "Europe/Rome", ("ECoC", 2025, "Gorizia"),
     {Language.EN: (Level.FLUENT, Level.FLUENT), Language.ZH: (Level.FLUENT, Level.WORKING)},
     (Discipline.VISUAL_ARTS, Discipline.CURATING), "Musei Provinciali di Gorizia", "en"),
    ("tomas.petrauskas@mobility.example.org", "Tomas Petrauskas", "en", "Europe/Vilnius", ("ECoC", 2022, "Kaunas"),
     {Language.EN: (Level.FLUENT, Level.FLUENT), Language.KO: (Level.FLUENT, Level.WORKING)},
     (Discipline.MUSIC, Discipline.FILM_MEDIA), "Kaunas Music Ensemble", "en"),
    ("elise.moreau@mobility.example.org", "Élise Moreau", "en", "Europe/Paris", ("ECoC", 2028, "Bourges"),
     {Language.EN: (Level.FLUENT, Level.FLUENT), Language.JA: (Level.FLUENT, Level.WORKING),
      Language.ZH: (Level.WORKING, Level.BASIC)},
     (Discipline.CRAFTS, Discipline.DESIGN, Discipline.ARCHITECTURE), "École de design de Bourges", "en"),
    ("wang.fang@mobility.example.org", "王芳 (Wang Fang)", "zh_Hans", "Asia/Shanghai", ("CCEA", 2025, "Huzhou"),
     {Language.ZH: (Level.NATIVE, Level.NATIVE), Language.EN: (Level.FLUENT, Level.WORKING)},
     (Discipline.LITERATURE, Discipline.CULTURAL_HERITAGE), "湖州市文化馆", "zh"),
    ("sato.ken@mobility.example.org", "佐藤 健 (Sato Ken)", "ja", "Asia/Tokyo", ("CCEA", 2014, "Yokohama"),
     {Language.JA: (Level.NATIVE, Level.NATIVE), Language.EN: (Level.FLUENT, Level.WORKING),
      Language.ZH: (Level.WORKING, Level.BASIC)},
     (Discipline.VISUAL_ARTS, Discipline.DIGITAL_ARTS), "横浜美術大学", "ja"),
    ("park.seoyeon@mobility.example.org", "박서연 (Park Seo-yeon)", "ko", "Asia/Seoul", ("CCEA", 2014, "Gwangju"),
     {Language.KO: (Level.NATIVE, Level.NATIVE), Language.EN: (Level.FLUENT, Level.FLUENT),
      Language.ZH: (Level.WORKING, Level.BASIC)},
     (Discipline.MUSIC, Discipline.LITERATURE, Discipline.CURATING), "광주문화재단", "ko"),
)
DEMO_JUROR_WRITES = "ko"

# What jurors write, in their language, by how well an application scored (high, middle, low).
REVIEW_WORDS: dict[str, tuple[dict[str, Any], ...]] = {
    "en": ({"c": ("A clear, convincing idea that belongs to both cities.", "Strong and well argued.",
                  "The partnership with the host is concrete and credible."),
            "o": "One of the strongest applications I read: I would fund it.",
            "o2": "Ambitious and realistic at once; the host letter is excellent."},
           {"c": ("Interesting, but the plan for the weeks on site is thin.", "Promising, not yet precise.",
                  "The link to the other city could be stronger."),
            "o": "Good intentions; I would like to see a clearer schedule.",
            "o2": "A sound project that needs a sharper focus."},
           {"c": ("The idea is vague.", "The host's role is not explained.",
                  "It is hard to see what remains after the stay."),
            "o": "Not ready yet: the application reads like a first sketch.",
            "o2": "I could not see why this needs to happen in the other city."}),
    "zh": ({"c": ("构思清晰，与两座城市都密切相关。", "论证充分，很有说服力。", "与接待机构的合作具体可信。"),
            "o": "这是我读到的最出色的申请之一，建议资助。", "o2": "既有雄心又切实可行，接待方的信写得很好。"},
           {"c": ("想法有意思，但驻地期间的计划还比较单薄。", "有潜力，但不够具体。", "与对方城市的联系可以更紧密。"),
            "o": "方向不错，希望看到更清楚的日程安排。", "o2": "项目扎实，但重点还需要更突出。"},
           {"c": ("构思比较模糊。", "没有说明接待机构的作用。", "看不出驻地结束后会留下什么。"),
            "o": "还不够成熟，读起来像初稿。", "o2": "看不出为什么必须在对方城市进行。"}),
    "ja": ({"c": ("両都市に根ざした、明確で説得力のある構想です。", "論点がよく整理されています。",
                  "受け入れ団体との協働が具体的で信頼できます。"),
            "o": "今回読んだ中で最も優れた申請の一つです。採択を推します。",
            "o2": "意欲的でありながら現実的です。受け入れ団体の推薦状も見事です。"},
           {"c": ("興味深いのですが、滞在中の計画がやや薄いです。", "可能性はありますが、まだ具体性に欠けます。",
                  "相手の都市とのつながりをもっと強められるはずです。"),
            "o": "方向性は良いので、日程をもう少し明確にしてほしいです。",
            "o2": "堅実な企画ですが、焦点をもう少し絞る必要があります。"},
           {"c": ("構想がまだ曖昧です。", "受け入れ団体の役割が説明されていません。", "滞在後に何が残るのかが見えません。"),
            "o": "まだ準備段階で、下書きのように読めます。", "o2": "なぜ相手の都市で行う必要があるのかが分かりませんでした。"}),
    "ko": ({"c": ("두 도시 모두와 깊이 연결된 명확하고 설득력 있는 구상입니다.", "논리가 탄탄합니다.",
                  "초청 기관과의 협업이 구체적이고 신뢰할 만합니다."),
            "o": "이번에 읽은 신청서 중 가장 뛰어난 편입니다. 지원을 추천합니다.",
            "o2": "야심차면서도 현실적입니다. 초청 기관의 추천서도 훌륭합니다."},
           {"c": ("흥미롭지만 체류 기간의 계획이 아직 빈약합니다.", "가능성은 있지만 구체성이 부족합니다.",
                  "상대 도시와의 연결을 더 강화할 수 있겠습니다."),
            "o": "방향은 좋습니다. 일정이 더 분명했으면 합니다.", "o2": "탄탄한 기획이지만 초점을 좀 더 좁힐 필요가 있습니다."},
           {"c": ("구상이 아직 모호합니다.", "초청 기관의 역할이 설명되어 있지 않습니다.", "체류 후에 무엇이 남는지 알기 어렵습니다."),
            "o": "아직 준비가 덜 된 초안처럼 읽힙니다.", "o2": "왜 상대 도시에서 해야 하는지 알 수 없었습니다."}),
}
# The panel's feedback to the applicant (English, and the same in the applicant's language).
CONSENSUS_WORDS = (
    {"en": "The panel found the project strong on every criterion and well anchored in both cities.",
     "zh_Hans": "评审团认为该项目在各项标准上都很出色，并且扎根于两座城市。",
     "ja": "審査会は、この企画がすべての基準で優れており、両都市にしっかり根ざしていると評価しました。",
     "ko": "심사위원단은 이 프로젝트가 모든 기준에서 뛰어나며 두 도시에 잘 뿌리내리고 있다고 평가했습니다."},
    {"en": "The panel liked the idea; the plan for the stay and what remains after it need to be more precise.",
     "zh_Hans": "评审团喜欢这个构想，但驻地计划和驻地之后的成果需要更具体。",
     "ja": "審査会は構想を評価しましたが、滞在中の計画と滞在後に残るものをより具体的にする必要があります。",
     "ko": "심사위원단은 구상을 좋게 보았으나, 체류 계획과 그 이후에 남을 결과가 더 구체적이어야 합니다."},
    {"en": "The panel could not yet see the exchange between the two cities in this application.",
     "zh_Hans": "评审团在这份申请中还看不到两座城市之间的交流。",
     "ja": "審査会は、この申請から二つの都市の交流をまだ読み取ることができませんでした。",
     "ko": "심사위원단은 이 신청서에서 두 도시 사이의 교류를 아직 찾아볼 수 없었습니다."},
)
REPORT_ACTIVITIES = (
    "Four weeks of daily work in the host's studio, two open rehearsals and a final presentation.",
    "Interviews, workshops with local artists and a public talk at the end of the stay.",
    "Research in the archive, a walk with residents and a small exhibition of the results.",
)
REPORT_SUMMARIES = (
    "An artist from the partner city worked with local artists for a month and showed the result to neighbours.",
    "Shared work between the two cities: a workshop series and a final showing attended by residents.",
    "A residency that ended with an exhibition and a plan to meet again next year.",
)


@dataclass
class Cast:
    """The people of the demo programme."""
    manager: User
    juror: User
    artist: User
    jurors: list[User]
    artists: dict[str, User]          # by name


def midday(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=timezone.utc)


@contextmanager
def on(day: date, minutes: int = 0) -> Iterator[datetime]:
    """The services run on `day` (at ten in the morning UTC, plus `minutes`); what they left unflushed is
    written before the block ends, so its column defaults are of that day too."""
    with clock_at(midday(day) + timedelta(minutes=minutes)) as instant:
        yield instant
        db.session.flush()


def _city(key: tuple) -> City:
    programme, year, name = key
    city = db.session.scalar(select(City).where(City.programme == programme, City.title_year == year,
                                                City.name_en == name))
    assert city is not None  # the reference cities are loaded first
    return city


def _slug(name: str) -> str:
    latin = name.split("(")[-1].rstrip(")") if "(" in name else name
    plain = latin.lower().replace("ß", "ss").replace("é", "e").replace("ü", "ue").replace("ö", "oe")
    return "".join(ch if ch.isalnum() else "." for ch in plain).strip(".").replace("..", ".").replace("-", "")


def find_call(title_en: str) -> Call | None:
    return db.session.scalar(select(Call).where(Call.title["en"].as_string() == title_en))


# ---- people ---------------------------------------------------------------------------------

def cast(manager: User, juror: User, artist: User, pair: CityPair, password: str,
         password_hash: str | None = None) -> Cast:
    """The jury and the artists (created once; all sign in with the demo password)."""
    password_hash = password_hash or hash_password(password)  # one hash for everyone: each takes a second
    jurors = [juror]
    for email, name, locale, zone, home, skills, disciplines, organisation, _writes in JURY:
        user = accounts.find_user_by_email(email)
        if user is None:
            user = accounts.create_user(name=name, email=email, password=password, locale=locale, timezone=zone,
                                        roles={Role.JUROR}, confirmed=True, password_hash=password_hash)
            city = _city(home)
            accounts.update_profile(user, name=name, locale=locale, timezone=zone, country=city.country,
                                    home_city_id=city.id, skills=skills, disciplines=disciplines,
                                    affiliations=(organisation,))
        jurors.append(user)
    artists = {artist.name: artist}
    homes = {"eu": pair.europe_city, "ea": pair.east_asia_city}
    for name, language, side, discipline, *_ in (*DECIDED, *IN_REVIEW, *DRAFTS, *EARLY):
        if name in artists:
            continue
        email = f"{_slug(name)}@artists.example.org"
        user = accounts.find_user_by_email(email)
        if user is None:
            locale = LOCALE_OF[language]
            user = accounts.create_user(name=name, email=email, password=password, locale=locale,
                                        timezone=ZONE_OF[side], confirmed=True, password_hash=password_hash)
            accounts.update_profile(user, name=name, locale=locale, timezone=ZONE_OF[side],
                                    country=homes[side].country, home_city_id=homes[side].id,
                                    skills={Language(language): (Level.NATIVE, Level.NATIVE)},
                                    disciplines=(Discipline(DISCIPLINES[discipline]),), affiliations=())
        artists[name] = user
    return Cast(manager, juror, artist, jurors, artists)


# ---- calls ----------------------------------------------------------------------------------

def make_call(people: Cast, programme_id: int, pair: CityPair, texts: dict, kind: CallKind, opens: date,
              closes: date, duration: tuple[int, int], budget: Decimal, report_questions: tuple = ()) -> Call:
    """A call written two weeks before it opens (texts in four languages, rules, a question, the report form,
    the budget) and published on the day it opens."""
    manager = people.manager
    with on(opens - timedelta(days=14)):
        call = calls.create_call(manager, programme_id=programme_id, kind=kind, title_en=texts["title"]["en"],
                                 pair_ids=[pair.id], opens_local=datetime.combine(opens, time(9, 0)),
                                 closes_local=datetime.combine(closes, time(23, 59)), timezone="Europe/Berlin")
        for locale in ("en", "zh_Hans", "ja", "ko"):
            calls.update_texts(manager, call, locale, {field: value[locale] for field, value in texts.items()})
        calls.save_rule(manager, call, RuleKind.DURATION, {"min": duration[0], "max": duration[1]})
        calls.save_rule(manager, call, RuleKind.RESIDENCE_CITY,
                        {"city_ids": [pair.europe_city_id, pair.east_asia_city_id]})
        calls.save_question(manager, call, questionnaire=Questionnaire.APPLICATION, kind=QuestionKind.LONG_TEXT,
                            required=True, label=HOST_QUESTION, help={}, options=[], max_length=1500,
                            condition_question_id=None, condition_value=None)
        for question in report_questions:
            calls.save_question(manager, call, questionnaire=Questionnaire.REPORT, help={}, max_length=None,
                                condition_question_id=None, condition_value=None, **question)
        calls.set_budgets(manager, call, {(pair.id, direction): budget for direction in Direction})
    with on(opens):
        calls.set_call_status(manager, call, CallStatus.PUBLISHED)
    return call


def _apply(people: Cast, call: Call, pair: CityPair, row: tuple, n: int, day: date, stay: tuple[date, int] | None,
           *, submit: bool = True, host_confirms: bool = True) -> Application:
    """One artist's application, written on `day` (and submitted then, unless a draft)."""
    name, language, side, discipline, title, summary, plan = row
    artist = people.artists[name]
    host_name, contact, host_locale = HOSTS["ea" if side == "eu" else "eu"][n % 5]
    origin = pair.europe_city_id if side == "eu" else pair.east_asia_city_id
    question = next((q for q in call.questions), None)
    with on(day, minutes=n):
        application = applications.start_application(artist, call)
        data = applications.DraftData(
            title=title, summary=summary, languages=[language] if summary else [],
            discipline=DISCIPLINES[discipline] if summary else None, pair_id=pair.id,
            origin_city_id=origin if summary else None,
            start_date=stay[0] if stay else None, end_date=stay[0] + timedelta(days=stay[1] - 1) if stay else None,
            host_organisation=host_name if plan else "", host_contact_name=contact if plan else "",
            host_email=f"{_slug(host_name)}@hosts.example.org" if plan else "", host_locale=host_locale,
            answers={str(question.id): plan} if question is not None and plan else {})
        applications.save_draft(artist, application, application.version, data)
        if not submit:
            return application
        applications.submit_application(artist, application)
    if host_confirms and application.host_confirmation is not None:
        with on(day + timedelta(days=2), minutes=n):
            applications.confirm_host(application.host_confirmation, name=contact)
    return application


def _quality(rng: random.Random) -> float:
    return min(5.0, max(1.0, rng.gauss(3.4, 0.9)))


def _score(rng: random.Random, quality: float) -> str:
    value = min(5.0, max(0.0, quality + rng.uniform(-0.8, 0.8)))
    return str(Decimal(round(value * 2)) / 2)


def _band(value: float) -> int:
    return 0 if value >= 4 else 1 if value >= 3 else 2


def _writes(juror: User) -> str:
    for email, *_rest, writes in JURY:
        if email == juror.email:
            return writes
    return DEMO_JUROR_WRITES


def _review(rng: random.Random, juror: User, assignment: Assignment, quality: float, call: Call) -> None:
    """The juror declares no conflict, scores each criterion and comments on it, in their own language."""
    review.declare_no_conflict(juror, assignment)
    language = _writes(juror)
    scores: dict[int, str | None] = {}
    comments: dict[int, str] = {}
    for i, criterion in enumerate(call.criteria):
        score = _score(rng, quality)
        scores[criterion.id] = score
        comments[criterion.id] = REVIEW_WORDS[language][_band(float(score))]["c"][i % 3]
    overall = REVIEW_WORDS[language][_band(quality)]["o" if assignment.id % 2 else "o2"]
    review.save_review(juror, assignment, scores=scores, comments=comments, overall_comment=overall,
                       comment_language=language, submit=True)


def _consensus(people: Cast, call: Call, application: Application, quality: float, day: date) -> None:
    """A rapporteur (one of its jurors) drafts the agreed scores and feedback, in English and, for an applicant
    who reads another language, in theirs too (the sentences are the same in both); the manager approves."""
    rapporteur = next(a.juror for a in _assignments_of(application))
    locale = application.applicant.locale
    language = next((code for code, ui in LOCALE_OF.items() if ui == locale), "en")
    scores: dict[int, str | None] = {c.id: _score(random.Random(application.id), quality) for c in call.criteria}
    bands = {c.id: _band(float(scores[c.id] or 0)) for c in call.criteria}
    overall = _band(sum(float(v or 0) for v in scores.values()) / len(scores))
    comments = {c.id: REVIEW_WORDS["en"][bands[c.id]]["c"][i] for i, c in enumerate(call.criteria)}
    translated = {c.id: REVIEW_WORDS[language][bands[c.id]]["c"][i] for i, c in enumerate(call.criteria)} \
        if language != "en" else None
    summary_translation = CONSENSUS_WORDS[overall][locale] if language != "en" else ""
    for actor, approve, when in ((rapporteur, False, day), (people.manager, True, day + timedelta(days=2))):
        with on(when, minutes=application.id % 200):
            review.save_consensus(actor, application, scores=scores, comments=comments,
                                  summary=CONSENSUS_WORDS[overall]["en"], approve=approve,
                                  comments_translation=translated, summary_translation=summary_translation)


def _assignments(call: Call) -> list[Assignment]:
    return list(db.session.scalars(select(Assignment).where(Assignment.call_id == call.id)
                                   .order_by(Assignment.application_id, Assignment.juror_id)))


def _jury(people: Cast, call: Call, load: int) -> None:
    for juror in people.jurors:
        review.add_juror(people.manager, call, juror, load)


# ---- the decided round ----------------------------------------------------------------------

def decided_round(people: Cast, programme_id: int, pair: CityPair, today: date, report_questions: tuple) -> Call:
    """Opened 400 days ago; reviewed, ranked and decided; grants offered, accepted, declined (and the place
    given to the next on the waiting list), paid; stays over, reports approved, waiting or overdue."""
    rng = random.Random(2026)
    manager = people.manager
    opens, closes = today - timedelta(days=400), today - timedelta(days=330)
    call = make_call(people, programme_id, pair, DECIDED_TEXTS, CallKind.RESIDENCY, opens, closes, (28, 56),
                     Decimal("26000"), report_questions)
    quality: dict[int, float] = {}
    for n, row in enumerate(DECIDED):
        days = rng.choice((28, 35, 42, 49, 56))
        start = today - timedelta(days=rng.randint(110, 230))
        if row[0] == people.artist.name:
            start = today - timedelta(days=12 + 41)  # the demo artist's stay ended 12 days ago
            days = 42
        application = _apply(people, call, pair, row, n, opens + timedelta(days=2 + n), (start, days),
                             host_confirms=n % 9 != 4)
        quality[application.id] = 4.6 if row[0] == people.artist.name else _quality(rng)
    with on(closes + timedelta(days=1)):
        calls.set_call_status(manager, call, CallStatus.CLOSED)
    submitted = list(db.session.scalars(select(Application).where(Application.call_id == call.id)
                                        .order_by(Application.id)))
    with on(closes + timedelta(days=4)):
        for n, application in enumerate(submitted):
            if n in (7, 33):
                applications.screen_application(manager, application, eligible=False,
                                                 reason=ScreeningReason.HOST_MISSING if n == 7
                                                 else ScreeningReason.DATES,
                                                 note="The host did not answer." if n == 7 else None)
            else:
                applications.screen_application(manager, application, eligible=True, reason=None, note=None)
    with on(closes + timedelta(days=8)):
        _jury(people, call, 32)
        run = review.run_assignment(manager, call, accept_partial=True)
        assert run.saved
    for assignment in _assignments(call):
        juror = assignment.juror
        with on(closes + timedelta(days=10 + assignment.id % 12), minutes=assignment.id % 300):
            _review(rng, juror, assignment, quality[assignment.application_id], call)
    with on(closes + timedelta(days=25)):
        review.move_to_phase(manager, call, PhaseKind.CONSENSUS)
    reviewed = [a for a in submitted if a.status is ApplicationStatus.IN_REVIEW]
    for application in reviewed:
        _consensus(people, call, application, quality[application.id], closes + timedelta(days=27))
    with on(closes + timedelta(days=35)):
        review.move_to_phase(manager, call, PhaseKind.PANEL)
        _decide(people, call)
    with on(closes + timedelta(days=37)):
        review.lock_panel(manager, call)
        awards.send_decision_letters(manager, call)
    _grants(people, call, closes + timedelta(days=37), today)
    return call


def _assignments_of(application: Application) -> list[Assignment]:
    return list(db.session.scalars(select(Assignment).where(Assignment.application_id == application.id,
                                                            Assignment.status == AssignmentStatus.ACCEPTED)
                                   .order_by(Assignment.juror_id)))


def _decide(people: Cast, call: Call) -> None:
    """The panel follows the ranking: per direction, awards while the budget lasts, three on the waiting list,
    the others rejected (the demo artist's application is among the awards)."""
    manager = people.manager
    remaining = {b.direction: b.amount for b in call.budgets}
    waiting = {direction: 0 for direction in Direction}
    for row in compute_ranking_rows(call):
        if row.status is not ApplicationStatus.IN_REVIEW:
            continue
        application = db.session.get_one(Application, row.application_id)
        direction = application.direction
        assert direction is not None
        estimate = row.estimated_grant or Decimal("0")
        if row.passes and estimate <= remaining[direction]:
            awards.award_application(manager, application, "Ranked within the budget of its direction.")
            remaining[direction] -= estimate
        elif row.passes and waiting[direction] < 3:
            review.record_decision(manager, application, Decision.WAITLIST,
                                   "Above the thresholds; the budget of its direction is used up.")
            waiting[direction] += 1
        else:
            review.record_decision(manager, application, Decision.REJECT,
                                   "Below the thresholds, or ranked after the waiting list.")


def _grants(people: Cast, call: Call, letters: date, today: date) -> None:
    """The grantees answer; one declines and the next on the waiting list gets the offer; the office pays
    the first instalment; after the stays the reports come in (or do not)."""
    manager = people.manager
    offered = list(db.session.scalars(select(Grant).where(Grant.call_id == call.id).order_by(Grant.id)))
    decliner = next(g for g in offered if g.direction is Direction.EAST_ASIA_TO_EUROPE
                    and g.application.applicant_id != people.artist.id)
    with on(letters + timedelta(days=6)):
        awards.decline_grant(decliner.application.applicant, decliner)
    grants = list(db.session.scalars(select(Grant).where(Grant.call_id == call.id,
                                                         Grant.status == GrantStatus.OFFERED).order_by(Grant.id)))
    for n, grant in enumerate(grants):
        grantee = grant.application.applicant
        with on(letters + timedelta(days=8 + n % 10), minutes=n):
            awards.accept_grant(grantee, grant, name=grantee.name.split(" (")[0])
        with on(letters + timedelta(days=20 + n % 10), minutes=n):
            money = awards.money_of(grant)
            awards.record_payment(manager, grant, instalment=1, amount=money.instalments[0].amount,
                                  reference=f"DEMO-{grant.id:04d}-1", paid_on=letters + timedelta(days=19 + n % 10))
    accepted = sorted(grants, key=lambda g: (g.end_date, g.id))
    due_passed = [g for g in accepted if g.end_date + timedelta(days=reports.REPORT_DUE_DAYS) < today]
    overdue = {g.id for g in due_passed[-2:] if g.application.applicant_id != people.artist.id}
    for n, grant in enumerate(accepted):
        grantee = grant.application.applicant
        if grant.id in overdue:
            continue  # the stay ended more than a month ago and nothing came: overdue
        if grantee.id == people.artist.id:
            with on(today - timedelta(days=3)):
                report = reports.report_for(grant)
                reports.save_report(grantee, report, _report_data(grant, n, language="ja"), today=today)
            continue  # her draft: she submits it herself in the demo
        if grant.end_date >= today - timedelta(days=2):
            continue  # still travelling, or just back: nothing yet
        written = min(grant.end_date + timedelta(days=6 + n % 12), today - timedelta(days=8))
        with on(written):
            report = reports.report_for(grant)
            reports.save_report(grantee, report, _report_data(grant, n), today=written)
            reports.submit_report(grantee, report)
        if n % 5 == 3:
            continue  # submitted, waiting for the office
        if n % 7 != 5:
            with on(written + timedelta(days=2)):
                reports.confirm_stay(report, grant.application.host_contact_name)
        with on(written + timedelta(days=5)):
            if n % 6 == 1:
                reports.request_changes(manager, report, "Please add the audience of the final showing and a "
                                                         "few words on what the host organised.")
                continue
            reports.approve_report(manager, report, unconfirmed_stay_ok=True)
            money = awards.money_of(grant)
            if n % 4 != 2 and money.due_now > 0:
                awards.record_payment(manager, grant, instalment=2, amount=money.due_now,
                                      reference=f"DEMO-{grant.id:04d}-2", paid_on=written + timedelta(days=5))


def _report_data(grant: Grant, n: int, language: str = "en") -> reports.ReportData:
    call = grant.application.call
    answers = {}
    for question in call.report_questions:
        if question.kind is QuestionKind.SINGLE_CHOICE:
            answers[str(question.id)] = question.options[n % len(question.options)]["value"]
    sectors = [Sector.CREATIVE.value, list(Sector)[1 + n % 8].value]
    return reports.ReportData(
        actual_start=grant.start_date, actual_end=grant.end_date, activities=REPORT_ACTIVITIES[n % 3],
        co_creations="A piece made with the host's artists." if n % 3 else "", audience=40 + (n * 37) % 400,
        partners=grant.application.host_organisation, sectors=sectors,
        travel_mode=(TravelMode.PLANE if n % 4 else TravelMode.TRAIN).value,
        public_summary=REPORT_SUMMARIES[n % 3], language=language, answers=answers)


# ---- the round in review --------------------------------------------------------------------

def review_round(people: Cast, programme_id: int, pair: CityPair, today: date) -> Call:
    """Closed 25 days ago: screened, assigned, about half the reviews in (the demo juror has both)."""
    rng = random.Random(2027)
    manager = people.manager
    opens, closes = today - timedelta(days=110), today - timedelta(days=25)
    call = make_call(people, programme_id, pair, REVIEW_TEXTS, CallKind.INDIVIDUAL_MOBILITY, opens, closes,
                     (7, 21), Decimal("24000"))
    quality = {}
    for n, row in enumerate(IN_REVIEW):
        start = today + timedelta(days=rng.randint(60, 200))
        application = _apply(people, call, pair, row, n, opens + timedelta(days=5 + 3 * n),
                             (start, rng.choice((7, 10, 14, 21))))
        quality[application.id] = _quality(rng)
    with on(closes + timedelta(days=1)):
        calls.set_call_status(manager, call, CallStatus.CLOSED)
    with on(closes + timedelta(days=3)):
        for application in db.session.scalars(select(Application).where(Application.call_id == call.id)
                                              .order_by(Application.id)):
            applications.screen_application(manager, application, eligible=True, reason=None, note=None)
    with on(closes + timedelta(days=5)):
        _jury(people, call, 12)
        assert review.run_assignment(manager, call, accept_partial=True).saved
    for assignment in _assignments(call):
        juror = assignment.juror
        done = assignment.id % 2 == 0 or (juror.id != people.juror.id and assignment.id % 3 == 0)
        with on(closes + timedelta(days=7 + assignment.id % 14), minutes=assignment.id % 300):
            if done:
                _review(rng, juror, assignment, quality[assignment.application_id], call)
            elif assignment.id % 5 == 1:
                review.declare_no_conflict(juror, assignment)  # read, not yet scored
    return call


# ---- the open round -------------------------------------------------------------------------

def open_round_drafts(people: Cast, call: Call, pair: CityPair, today: date) -> None:
    """A few applications submitted early, and drafts of this week, some nearly ready, some barely begun."""
    for n, row in enumerate(EARLY):
        _apply(people, call, pair, row, n, today - timedelta(days=6 - n), (today + timedelta(days=140 + 9 * n), 42),
               host_confirms=n % 2 == 0)
    for n, row in enumerate(DRAFTS):
        stay = (today + timedelta(days=150 + 10 * n), 42) if row[6] else None
        _apply(people, call, pair, row, n, today - timedelta(days=6 - n), stay, submit=False)
