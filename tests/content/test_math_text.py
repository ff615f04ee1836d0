"""Formulas keep their TeX for plain-text readers, and grouped numbers stay one number."""

from __future__ import annotations

from pressmark.content.markup import render_markdown
from pressmark.content.models import Post
from pressmark.content.store import PostData, save_post
from pressmark.extensions import db
from sqlalchemy import select


def test_grouped_digits_in_a_formula_are_one_number(app):
    with app.app_context():
        html = render_markdown("Context of $131,072$ tokens and $1{,}000{,}000$ more.").html
    assert "<mn>131,072</mn>" in html and "<mn>1,000,000</mn>" in html
    assert "<mn>072</mn>" not in html


def test_a_list_in_a_formula_is_not_taken_for_grouping(app):
    with app.app_context():
        html = render_markdown("Points $(1,2)$ and $(10,20,30)$.").html
    assert "<mn>1,2</mn>" not in html and "<mn>10,20,30</mn>" not in html


def test_search_snippets_show_a_formulas_tex_source(app, client):
    with app.app_context():
        save_post(PostData(title="Sizing", status="published",
                           body="Memory is $M_{kv} = 2 \\times n_{layers}$ per token."))
        assert "alttext" in db.session.scalar(select(Post.body_html))
    html = client.get("/search?q=memory").get_data(as_text=True)
    assert "$M_{kv} = 2 \\times n_{layers}$" in html
    assert "Mkv=2×" not in html
