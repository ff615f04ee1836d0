"""A template tag inside a link's address (``[list]({% for %}...)``) is kept for the author
after the link, never as a comment inside the address a reader follows."""

import re


def test_a_liquid_loop_inside_a_link_leaves_the_address_clean(app, run_import):
    report, posts = run_import({
        "_config.yml": "permalink: /:title/\n",
        "_posts/2020-01-01-links.md": (
            "---\ntitle: Links\n---\n"
            "See [the list]({% for p in site.posts %}{{ p.url }}{% endfor %}) and "
            '<a href="{% if x %}/a{% endif %}">b</a>.\n'),
    }, "jekyll")
    body = posts["links"].body
    assert "[the list]()<!-- pressmark import:" in body
    assert '<a href="/a"><!-- pressmark import:' in body
    # In order, after the link: for, output, endfor.
    kept = re.findall(r"edit it by hand: (.*?) -->", body)
    assert kept[:3] == ["{% for p in site.posts %}", "{{ p.url }}", "{% endfor %}"]
    html = app.test_client().get("/posts/links").get_data(as_text=True)
    assert not re.search(r'href="[^"]*pressmark import', html)
    assert "{% for" not in html
