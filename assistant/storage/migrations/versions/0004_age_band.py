"""analytics: the optional age band of a conversation

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('analytics_conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('age_band', sa.String(length=16), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('analytics_conversations', schema=None) as batch_op:
        batch_op.drop_column('age_band')

