"""telegram chats and long button payloads

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('telegram_buttons',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('telegram_buttons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_telegram_buttons_created_at'), ['created_at'], unique=False)

    op.create_table('telegram_chats',
    sa.Column('sender_id', sa.String(length=64), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('user_key', sa.String(length=64), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('sender_id'),
    sa.UniqueConstraint('user_key', 'generation', name='one_sender_per_generation')
    )
    with op.batch_alter_table('telegram_chats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_telegram_chats_updated_at'), ['updated_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('telegram_chats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_telegram_chats_updated_at'))

    op.drop_table('telegram_chats')
    with op.batch_alter_table('telegram_buttons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_telegram_buttons_created_at'))

    op.drop_table('telegram_buttons')
