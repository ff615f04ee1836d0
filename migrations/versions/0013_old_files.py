"""Old file paths of an imported site (its images) that answer 301 to their uploads.

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-08 00:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'old_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=500), nullable=False),
        sa.Column('url', sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('path'),
    )


def downgrade():
    op.drop_table('old_files')
