"""answer_versions.yes_no and yes_no_opposite: the entry's はい/いいえ short answer kept with each version

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('answer_versions') as batch:
        batch.add_column(sa.Column('yes_no', sa.Text(), nullable=True))
        batch.add_column(sa.Column('yes_no_opposite', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('answer_versions') as batch:
        batch.drop_column('yes_no_opposite')
        batch.drop_column('yes_no')
