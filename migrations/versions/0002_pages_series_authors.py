"""Pages, series, post authors, user roles and author pages, the header navigation.

Existing accounts become owners (they could do everything before) and get an author-page
slug made from their display name; existing posts stay posts, with no authors (their
byline is the site's author until someone adds them).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 20:29:03.540748

"""
import re
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_series')),
    sa.UniqueConstraint('slug', name=op.f('uq_series_slug'))
    )
    op.create_table('nav_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=True),
    sa.Column('topic_id', sa.Integer(), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['page_id'], ['posts.id'], name=op.f('fk_nav_items_page_id_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_nav_items_topic_id_topics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nav_items'))
    )
    op.create_table('post_authors',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_authors_post_id_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_post_authors_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'user_id', name=op.f('pk_post_authors'))
    )
    with op.batch_alter_table('post_authors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_authors_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_page', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('series_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('series_position', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_posts_series_id'), ['series_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_posts_series_id_series'), 'series', ['series_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('authors', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('series_title', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('series_position', sa.Integer(), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slug', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('bio', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('role', sa.String(length=20), nullable=False, server_default='owner'))
        batch_op.create_unique_constraint(batch_op.f('uq_users_slug'), ['slug'])

    _fill_author_slugs()

    # The defaults above only filled the existing rows; new rows get the models' defaults.
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.alter_column('is_page', server_default=None)
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.alter_column('authors', server_default=None)
        batch_op.alter_column('series_title', server_default=None)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('bio', server_default=None)
        batch_op.alter_column('role', server_default=None)


def _slugify(text):
    # A frozen copy of models.slugify: a migration must not change when the app does.
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:70].rstrip("-")


def _fill_author_slugs():
    connection = op.get_bind()
    users = sa.table('users', sa.column('id'), sa.column('username'),
                     sa.column('display_name'), sa.column('slug'))
    taken = set()
    for user_id, username, display_name in connection.execute(
        sa.select(users.c.id, users.c.username, users.c.display_name).order_by(users.c.id)
    ):
        base = _slugify(display_name or '') or f"author-{user_id}"
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        connection.execute(users.update().where(users.c.id == user_id).values(slug=slug))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_slug'), type_='unique')
        batch_op.drop_column('role')
        batch_op.drop_column('bio')
        batch_op.drop_column('slug')

    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.drop_column('series_position')
        batch_op.drop_column('series_title')
        batch_op.drop_column('authors')

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_posts_series_id_series'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_posts_series_id'))
        batch_op.drop_column('series_position')
        batch_op.drop_column('series_id')
        batch_op.drop_column('is_page')

    with op.batch_alter_table('post_authors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_post_authors_user_id'))

    op.drop_table('post_authors')
    op.drop_table('nav_items')
    op.drop_table('series')
