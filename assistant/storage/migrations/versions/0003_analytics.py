"""analytics: conversations, messages, topics, guide events and handoffs without personal data

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('analytics_conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('first_event_id', sa.BigInteger(), nullable=False),
    sa.Column('resident', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('last_at', sa.DateTime(), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('local_hour', sa.SmallInteger(), nullable=False),
    sa.Column('messages', sa.Integer(), nullable=False),
    sa.Column('handoff_offered', sa.Boolean(), nullable=False),
    sa.Column('awaiting_phone', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source', 'first_event_id', name='one_conversation_per_session_start')
    )
    with op.batch_alter_table('analytics_conversations', schema=None) as batch_op:
        batch_op.create_index('conversations_by_resident', ['resident', 'started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_analytics_conversations_local_date'), ['local_date'], unique=False)

    op.create_table('analytics_watermarks',
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('last_id', sa.BigInteger(), nullable=False),
    sa.Column('last_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('source')
    )
    op.create_table('analytics_guide_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('event_id', sa.BigInteger(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('guide', sa.String(length=64), nullable=False),
    sa.Column('step', sa.String(length=64), nullable=True),
    sa.Column('position', sa.SmallInteger(), nullable=True),
    sa.Column('total', sa.SmallInteger(), nullable=True),
    sa.Column('times', sa.SmallInteger(), nullable=True),
    sa.Column('reason', sa.String(length=16), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['analytics_conversations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source', 'event_id', name='one_row_per_guide_event')
    )
    with op.batch_alter_table('analytics_guide_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_analytics_guide_events_conversation_id'), ['conversation_id'], unique=False)

    op.create_table('analytics_handoffs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handoff_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=True),
    sa.Column('resident', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('kiosk_id', sa.String(length=32), nullable=True),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('topic', sa.String(length=64), nullable=True),
    sa.Column('guide', sa.String(length=64), nullable=True),
    sa.Column('guide_step', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('satisfaction', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('source_updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['analytics_conversations.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('handoff_id')
    )
    with op.batch_alter_table('analytics_handoffs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_analytics_handoffs_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_analytics_handoffs_local_date'), ['local_date'], unique=False)

    op.create_table('analytics_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('event_id', sa.BigInteger(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('local_hour', sa.SmallInteger(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.Column('intent', sa.String(length=64), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('typed', sa.Boolean(), nullable=False),
    sa.Column('fallback', sa.Boolean(), nullable=False),
    sa.Column('out_of_scope', sa.Boolean(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['analytics_conversations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source', 'event_id', name='one_row_per_message_event')
    )
    with op.batch_alter_table('analytics_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_analytics_messages_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_analytics_messages_local_date'), ['local_date'], unique=False)

    op.create_table('analytics_topics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('event_id', sa.BigInteger(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('topic', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['analytics_conversations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source', 'event_id', name='one_row_per_topic_event')
    )
    with op.batch_alter_table('analytics_topics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_analytics_topics_conversation_id'), ['conversation_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('analytics_topics', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_analytics_topics_conversation_id'))

    op.drop_table('analytics_topics')
    with op.batch_alter_table('analytics_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_analytics_messages_local_date'))
        batch_op.drop_index(batch_op.f('ix_analytics_messages_conversation_id'))

    op.drop_table('analytics_messages')
    with op.batch_alter_table('analytics_handoffs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_analytics_handoffs_local_date'))
        batch_op.drop_index(batch_op.f('ix_analytics_handoffs_conversation_id'))

    op.drop_table('analytics_handoffs')
    with op.batch_alter_table('analytics_guide_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_analytics_guide_events_conversation_id'))

    op.drop_table('analytics_guide_events')
    op.drop_table('analytics_watermarks')
    with op.batch_alter_table('analytics_conversations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_analytics_conversations_local_date'))
        batch_op.drop_index('conversations_by_resident')

    op.drop_table('analytics_conversations')
