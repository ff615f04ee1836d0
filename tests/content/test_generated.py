"""``pressmark demo generate``: realistic posts for benchmarks, visible like any other."""

from pressmark.content.generated import generate_posts
from pressmark.content.models import Alias, Post, Revision, SiteState
from pressmark.extensions import db
from sqlalchemy import func, select


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_generated_posts_are_complete_and_public(app):
    client = app.test_client()
    with app.app_context():
        assert generate_posts(30, rendered=5) == 30
        assert count(Revision) == 5  # the rendered ones were saved like imports
        assert count(Alias) == 3  # every tenth post has a legacy address
        posts = db.session.scalars(select(Post)).all()
        assert len({p.slug for p in posts}) == 30
        assert all(p.topic is not None and 3 <= len(p.tags) <= 5 for p in posts)
        assert all("<pre" in p.body_html and "<table" in p.body_html for p in posts)
        assert any("calc" in p.body_html for p in posts)
        generation = db.session.get(SiteState, 1).content_generation
        slug, alias = db.session.execute(
            select(Post.slug, Alias.path).join(Alias.post).limit(1)).one()
    assert client.get(f"/posts/{slug}").status_code == 200
    assert client.get(alias).headers["Location"] == f"/posts/{slug}"
    with app.app_context():
        assert generate_posts(5, rendered=5) == 35  # more posts, no clash
        assert db.session.get(SiteState, 1).content_generation > generation


def test_demo_generate_command(runner, app):
    result = runner.invoke(args=["demo", "generate", "--posts", "3"])
    assert result.exit_code == 0, result.output
    assert "Added 3 posts; the site has 3." in result.output
