"""A programme's name is unique whatever its case

Revision ID: f2c8d4e0b3a5
Revises: e1b7c3d9a2f4
Create Date: 2026-12-08 02:00:00

create_programme refused "huzhou office" beside "Huzhou Office" by reading first; two requests at once both
read nothing and both inserted. The unique index on lower(name) decides between them (refused_by_key turns
the loser's error into the field error "There is already a programme with this name.").
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f2c8d4e0b3a5'
down_revision = 'e1b7c3d9a2f4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("uq_programme_name_lower", "programme", [sa.text("lower(name)")], unique=True)


def downgrade():
    op.drop_index("uq_programme_name_lower", table_name="programme")
