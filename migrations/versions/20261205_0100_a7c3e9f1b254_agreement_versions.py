"""Versions of the grant agreement: each kept as offered and, once accepted, as accepted

Revision ID: a7c3e9f1b254
Revises: c0a5e7f3b812
Create Date: 2026-12-05 01:00:00

Every existing grant gets its version 1, drawn from the grant as it stands (the terms it shows today; the
snapshot says `"recorded": "migration"`): an accepted grant's with its acceptance (name, time, address), an
offered grant's waiting, a declined grant's declined. No PDF bytes are kept for these versions (they were not
rendered then): their download is drawn from the recorded terms. `terms_of` below is a copy of
mobility.awards.versions.terms_of as it is at this revision.
"""
import hashlib
import json
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

import mobility.db

# revision identifiers, used by Alembic.
revision = 'a7c3e9f1b254'
down_revision = 'c0a5e7f3b812'
branch_labels = None
depends_on = None

LOCALES = ('en', 'zh_Hans', 'ja', 'ko')
HOME_LOCALE = {'CN': 'zh_Hans', 'JP': 'ja', 'KR': 'ko'}
STATUS = {'offered': 'offered', 'accepted': 'accepted', 'declined': 'declined'}


def _json(value):
    return json.loads(value) if isinstance(value, str) else (value or {})


def _localized(texts, locale):
    for candidate in (locale, 'en', *LOCALES):
        value = texts.get(candidate)
        if value and value.strip():
            return value
    return ''


def _city_name(city, locale):
    if locale == 'en':
        return city['name_en']
    if HOME_LOCALE.get(city['country']) == locale:
        return city['name_local']
    return _json(city['names']).get(locale) or city['name_en']


def _digest(terms):
    canonical = json.dumps(terms, sort_keys=True, ensure_ascii=False, separators=(',', ':'))
    return hashlib.sha256(canonical.encode()).hexdigest()


def upgrade():
    op.create_table(
        'agreement_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('grant_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('status', sa.Enum('offered', 'accepted', 'declined', 'superseded', name='agreement_status',
                                    native_enum=False, create_constraint=True, length=32), nullable=False),
        sa.Column('terms', sa.JSON(), nullable=False),
        sa.Column('terms_sha256', sa.String(length=64), nullable=False),
        sa.Column('amendment_id', sa.Integer(), nullable=True),
        sa.Column('offered_at', mobility.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('pdf', sa.LargeBinary(), nullable=True),
        sa.Column('sha256', sa.String(length=64), nullable=True),
        sa.Column('locale', sa.String(length=16), nullable=True),
        sa.Column('accepted_name', sa.String(length=200), nullable=True),
        sa.Column('accepted_at', mobility.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('accepted_ip', sa.String(length=64), nullable=True),
        sa.Column('closed_at', mobility.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint('number >= 1', name=op.f('ck_agreement_version_number_positive')),
        sa.CheckConstraint("status != 'accepted' OR accepted_at IS NOT NULL",
                           name=op.f('ck_agreement_version_accepted_has_time')),
        sa.ForeignKeyConstraint(['amendment_id'], ['grant_amendment.id'],
                                name=op.f('fk_agreement_version_amendment_id_grant_amendment'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['grant_id'], ['grant.id'], name=op.f('fk_agreement_version_grant_id_grant'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_version')),
        sa.UniqueConstraint('grant_id', 'number', name=op.f('uq_agreement_version_grant_id_number')),
    )
    with op.batch_alter_table('agreement_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_version_grant_id'), ['grant_id'], unique=False)
    _backfill(op.get_bind())


def _backfill(bind):
    grant = sa.table('grant', *(sa.column(c) for c in (
        'id', 'application_id', 'status', 'currency', 'distance_km', 'days',
        'accepted_at', 'accepted_name', 'accepted_ip', 'declined_at', 'created_at')),
        sa.column('amount', sa.Numeric(12, 2)), sa.column('start_date', sa.Date()), sa.column('end_date', sa.Date()),
        sa.column('travellers', sa.JSON()), sa.column('breakdown', sa.JSON()))
    application = sa.table('application', *(sa.column(c) for c in (
        'id', 'call_id', 'applicant_id', 'reference', 'title', 'origin_city_id', 'pair_id')))
    pair = sa.table('city_pair', sa.column('id'), sa.column('europe_city_id'), sa.column('east_asia_city_id'))
    call = sa.table('call', sa.column('id'), sa.column('title', sa.JSON()), sa.column('first_instalment_percent'))
    user = sa.table('user', sa.column('id'), sa.column('name'), sa.column('locale'))
    city = sa.table('city', sa.column('id'), sa.column('name_en'), sa.column('name_local'), sa.column('country'),
                    sa.column('names', sa.JSON()))
    cities = {row.id: row._mapping for row in bind.execute(sa.select(city))}
    rows = bind.execute(
        sa.select(grant, application.c.reference, application.c.title, application.c.origin_city_id,
                  pair.c.europe_city_id, pair.c.east_asia_city_id, call.c.title.label('call_title'), call.c.first_instalment_percent,
                  user.c.name.label('grantee'), user.c.locale)
        .join(application, application.c.id == grant.c.application_id)
        .join(call, call.c.id == application.c.call_id)
        .join(pair, pair.c.id == application.c.pair_id)
        .join(user, user.c.id == application.c.applicant_id).order_by(grant.c.id)).all()
    version = sa.table('agreement_version', *(sa.column(c) for c in (
        'grant_id', 'number', 'status', 'terms_sha256', 'locale', 'accepted_name', 'accepted_ip')),
        sa.column('terms', sa.JSON()),
        sa.column('offered_at', mobility.db.UTCDateTime()), sa.column('accepted_at', mobility.db.UTCDateTime()),
        sa.column('closed_at', mobility.db.UTCDateTime()))
    values = []
    for row in rows:
        host_id = row.east_asia_city_id if row.origin_city_id == row.europe_city_id else row.europe_city_id
        origin, host = cities.get(row.origin_city_id), cities.get(host_id)
        if origin is None or host is None:
            continue  # a grant always has its exchange; nothing to draw otherwise
        call_title = _json(row.call_title)
        terms = {
            'reference': row.reference, 'title': row.title, 'grantee': row.grantee,
            'call_title': {locale: _localized(call_title, locale) for locale in LOCALES},
            'origin': {locale: _city_name(origin, locale) for locale in LOCALES},
            'host': {locale: _city_name(host, locale) for locale in LOCALES},
            'distance_km': row.distance_km, 'days': row.days,
            'start_date': row.start_date.isoformat(), 'end_date': row.end_date.isoformat(),
            'currency': row.currency, 'amount': str(row.amount),
            'lines': list(_json(row.breakdown) or []), 'travellers': list(_json(row.travellers) or []),
            'first_instalment_percent': row.first_instalment_percent, 'recorded': 'migration',
        }
        status = STATUS.get(row.status, 'offered')
        accepted = status == 'accepted' and row.accepted_at is not None
        if status == 'accepted' and not accepted:
            status = 'offered'
        values.append({
            'grant_id': row.id, 'number': 1, 'status': status, 'terms': terms, 'terms_sha256': _digest(terms),
            'offered_at': _instant(row.created_at), 'locale': row.locale,
            'accepted_name': row.accepted_name if accepted else None,
            'accepted_at': _instant(row.accepted_at) if accepted else None,
            'accepted_ip': row.accepted_ip if accepted else None,
            'closed_at': _instant(row.declined_at) if status == 'declined' else None})
    for start in range(0, len(values), 500):
        bind.execute(sa.insert(version), values[start:start + 500])


def _instant(value):
    """A stored instant as an aware UTC datetime (SQLite hands back naive ones or strings)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def downgrade():
    with op.batch_alter_table('agreement_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_version_grant_id'))
    op.drop_table('agreement_version')
