"""A series' parts read through an index of their own (series, status, is_page,
published_at) rather than by walking every visible post; it replaces the plain series_id
index, which it starts with.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 00:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_series_id')
        batch_op.create_index(
            'ix_posts_series_visible', ['series_id', 'status', 'is_page', 'published_at'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_series_visible')
        batch_op.create_index('ix_posts_series_id', ['series_id'], unique=False)
