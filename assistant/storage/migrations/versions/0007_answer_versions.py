"""answer_versions: every version of an answer written in the staff console, with who and when

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'answer_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry', sa.String(length=130), nullable=False),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('easy', sa.Text(), nullable=False),
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('checked', sa.Date(), nullable=False),
        sa.Column('review_by', sa.Date(), nullable=True),
        sa.Column('note', sa.String(length=200), nullable=True),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('decided_by', sa.String(length=64), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('answer_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_versions_entry'), ['entry'], unique=False)
        batch_op.create_index(batch_op.f('ix_answer_versions_state'), ['state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('answer_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_versions_state'))
        batch_op.drop_index(batch_op.f('ix_answer_versions_entry'))
    op.drop_table('answer_versions')
