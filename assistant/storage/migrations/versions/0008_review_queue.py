"""review_items: the review queue of residents' messages and the decisions staff made on them

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'review_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=64), nullable=False),
        sa.Column('event_id', sa.BigInteger(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('text', sa.Text(), nullable=True),
        sa.Column('guess', sa.String(length=130), nullable=True),
        sa.Column('confidence', sa.Float(), nullable=True),
        sa.Column('theme', sa.String(length=64), nullable=True),
        sa.Column('channel', sa.String(length=16), nullable=True),
        sa.Column('decision', sa.String(length=16), nullable=True),
        sa.Column('entry', sa.String(length=130), nullable=True),
        sa.Column('note', sa.String(length=500), nullable=True),
        sa.Column('decided_by', sa.String(length=64), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('source', 'event_id', name='one_review_item_per_message'),
    )
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_items_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_items_decision'), ['decision'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_items_decision'))
        batch_op.drop_index(batch_op.f('ix_review_items_at'))
    op.drop_table('review_items')
