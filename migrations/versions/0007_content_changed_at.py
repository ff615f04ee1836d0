"""Listing indexes that cover is_page (counts read the index only), and when the content
generation last moved (the site's Last-Modified, read by primary key).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 21:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


OLD = {
    'ix_posts_status_published_at': ['status', 'published_at'],
    'ix_posts_topic_status_published_at': ['topic_id', 'status', 'published_at'],
    'ix_posts_featured_status_published_at': ['featured', 'status', 'published_at'],
}
NEW = {
    'ix_posts_visible': ['status', 'is_page', 'published_at', 'topic_id'],
    'ix_posts_topic_visible': ['topic_id', 'status', 'is_page', 'published_at'],
    'ix_posts_featured_visible': ['featured', 'status', 'is_page', 'published_at'],
}


def upgrade():
    with op.batch_alter_table('site_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changed_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('posts', schema=None) as batch_op:
        for name in OLD:
            batch_op.drop_index(name)
        for name, columns in NEW.items():
            batch_op.create_index(name, columns, unique=False)


def downgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        for name in NEW:
            batch_op.drop_index(name)
        for name, columns in OLD.items():
            batch_op.create_index(name, columns, unique=False)
    with op.batch_alter_table('site_state', schema=None) as batch_op:
        batch_op.drop_column('changed_at')
