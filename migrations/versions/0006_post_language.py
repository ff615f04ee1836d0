"""Posts record their language: a translation imported as ``post.fr.md`` keeps ``fr``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('posts') as batch_op:
        batch_op.add_column(
            sa.Column('language', sa.String(length=35), server_default='', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('posts') as batch_op:
        batch_op.drop_column('language')
