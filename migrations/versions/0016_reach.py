"""Reach: email subscribers with their send queue, and webmentions received and sent.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08 00:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'subscribers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('topics', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('source', sa.String(length=40), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('confirmation_sent_at', sa.DateTime(), nullable=True),
        sa.Column('confirmations_sent', sa.Integer(), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(), nullable=True),
        sa.Column('unsubscribed_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('email'),
    )
    op.create_index('ix_subscribers_status', 'subscribers', ['status'])
    op.create_table(
        'newsletter_issues',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('post_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('recipients', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['post_id'], ['posts.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('post_id'),
    )
    op.create_table(
        'newsletter_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('post_id', sa.Integer(), nullable=False),
        sa.Column('subscriber_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
        sa.Column('claimed_at', sa.DateTime(), nullable=True),
        sa.Column('handed_at', sa.DateTime(), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('message_id', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['post_id'], ['posts.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['subscriber_id'], ['subscribers.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('post_id', 'subscriber_id', name='uq_newsletter_delivery'),
    )
    op.create_index('ix_newsletter_deliveries_due', 'newsletter_deliveries',
                    ['status', 'next_attempt_at'])
    op.create_table(
        'subscribe_throttle',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('window_start', sa.DateTime(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_table(
        'webmentions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=2000), nullable=False),
        sa.Column('target', sa.String(length=2000), nullable=False),
        sa.Column('post_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('author_name', sa.String(length=200), nullable=False),
        sa.Column('author_url', sa.String(length=2000), nullable=False),
        sa.Column('excerpt', sa.Text(), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.Column('verified_at', sa.DateTime(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['post_id'], ['posts.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('source', 'target', name='uq_webmention'),
    )
    op.create_index('ix_webmentions_post_id', 'webmentions', ['post_id'])
    op.create_index('ix_webmentions_status', 'webmentions', ['status'])
    op.create_table(
        'outgoing_mentions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=2000), nullable=False),
        sa.Column('target', sa.String(length=2000), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
        sa.Column('endpoint', sa.String(length=2000), nullable=False),
        sa.Column('response_status', sa.Integer(), nullable=True),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('source', 'target', name='uq_outgoing_mention'),
    )
    op.create_index('ix_outgoing_mentions_due', 'outgoing_mentions',
                    ['status', 'next_attempt_at'])


def downgrade():
    op.drop_table('outgoing_mentions')
    op.drop_table('webmentions')
    op.drop_table('subscribe_throttle')
    op.drop_table('newsletter_deliveries')
    op.drop_table('newsletter_issues')
    op.drop_table('subscribers')
