"""Security defaults: headers and a strict Content-Security-Policy (proxy trust: test_proxy)."""


def test_security_headers_on_every_page(demo_client):
    response = demo_client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.get_data(as_text=True)


def test_pages_made_for_a_signed_in_author_are_private(app, client, auth):
    paths = ["/search?q=cache", "/-/calculators/", "/-/health"]
    auth.login()
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "private, no-cache", path
    # Pages that are the same for everyone keep their public caching.
    assert client.get("/posts").headers["Cache-Control"].startswith("public")


def test_every_template_is_free_of_inline_scripts_styles_and_handlers():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    templates = [*root.glob("app/templates/**/*.html"), *root.glob("plugins/*/templates/**/*.html")]
    assert templates
    for path in templates:
        html = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\b(src|type=\"application/ld\+json\"))", html), path
        assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", html), path
