"""answer_feedback: residents' 「役に立った」「役に立たなかった」 per knowledge entry

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'answer_feedback',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry', sa.String(length=130), nullable=False),
        sa.Column('helpful', sa.Boolean(), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('local_date', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('answer_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_feedback_entry'), ['entry'], unique=False)
        batch_op.create_index(batch_op.f('ix_answer_feedback_local_date'), ['local_date'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('answer_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_feedback_local_date'))
        batch_op.drop_index(batch_op.f('ix_answer_feedback_entry'))
    op.drop_table('answer_feedback')
