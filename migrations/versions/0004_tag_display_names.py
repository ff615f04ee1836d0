"""Tags keep their display name ("C++", "パイソン") and get a URL slug of their own.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 20:45:00

Before this revision a tag's ``name`` was already a lowercase slug, so each existing tag's
slug is its name, and its display name stays as it was.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tags') as batch_op:
        batch_op.add_column(sa.Column('slug', sa.String(length=80), nullable=True))
    op.execute("UPDATE tags SET slug = name")
    with op.batch_alter_table('tags') as batch_op:
        batch_op.alter_column('slug', existing_type=sa.String(length=80), nullable=False)
        batch_op.drop_constraint('uq_tags_name', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_tags_slug'), ['slug'])


def downgrade():
    # Display names that differ from their slug give way to the slug, which was unique.
    op.execute("UPDATE tags SET name = slug")
    with op.batch_alter_table('tags') as batch_op:
        batch_op.drop_constraint('uq_tags_slug', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_tags_name'), ['name'])
        batch_op.drop_column('slug')
