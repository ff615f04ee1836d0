"""Content generation: one row of site state that every process checks for changes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 20:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    site_state = op.create_table('site_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('content_generation', sa.Integer(), nullable=False),
    sa.Column('next_publication_at', sa.DateTime(), nullable=True),
    sa.Column('plugin_set', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_state'))
    )
    op.bulk_insert(site_state, [{'id': 1, 'content_generation': 1, 'plugin_set': ''}])


def downgrade():
    op.drop_table('site_state')
