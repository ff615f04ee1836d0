"""A post's cover image and its alt text, on posts and on their revisions.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 20:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('posts', 'revisions'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('cover_image', sa.String(length=300), nullable=False, server_default=''))
            batch_op.add_column(sa.Column('cover_alt', sa.String(length=300), nullable=False, server_default=''))


def downgrade():
    for table in ('revisions', 'posts'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('cover_alt')
            batch_op.drop_column('cover_image')
