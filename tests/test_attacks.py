"""Attacks that must fail. Each test plays an adversary against the real server
(``pressmark serve``), or enumerates the app so that a new route cannot slip through:

- stored XSS through every author field, embed argument and plugin slot, checked in
  Chromium (no script runs, no handler or ``javascript:`` URL reaches the DOM, the CSP
  reports nothing);
- CSRF on every state-changing route in ``app.url_map``;
- open redirects through ``next``;
- session fixation, and replaying cookies after sign-out;
- path traversal through uploads, static files and legacy URLs;
- SQL and full-text-search injection through search, tags and page numbers;
- drafts and scheduled posts enumerated through every public output;
- sign-in brute force behind a proxy.

docs/security.md lists these promises and points here.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urljoin, urlsplit

import pytest
from pressmark.content.models import Post, Revision, User
from pressmark.extensions import db
from sqlalchemy import func, select

from tests.conftest import PASSWORD, USERNAME, AuthActions
from tests.proxied_server import HttpClient, LiveServer, prepare_site

SECRET = "zebra-quokka-draft-marker"
SCHEDULED = "narwhal-scheduled-marker"
# What would show that a hidden post leaked (never a mere echo of what was asked for).
LEAKS = [f"Draft {SECRET}", "Draft body", f"/posts/draft-{SECRET}",
         f"Scheduled {SCHEDULED}", "Scheduled body", f"/posts/scheduled-{SCHEDULED}"]
XSS = [
    '<script>window.__xss("script")</script>',
    '<img src=x onerror="window.__xss(\'img\')">',
    '"><svg onload="window.__xss(\'svg\')">',
    "'><iframe srcdoc=\"<script>parent.__xss('iframe')</script>\"></iframe>",
    '<a href="javascript:window.__xss(\'link\')">click</a>',
    '</title></script><script>window.__xss("breakout")</script>',
    '<details open ontoggle="window.__xss(\'details\')">x</details>',
    "<style>body{background:red}</style><b style=\"color:red\">styled</b>",
]
ALL_XSS = " ".join(XSS)
MARKDOWN_XSS = "\n\n".join([
    "[md link](javascript:window.__xss('md'))",
    "![md image](x\" onerror=\"window.__xss('mdimg'))",
    "<p onclick=\"window.__xss('p')\">raw html</p>",
    "```html\n<script>window.__xss('code')</script>\n```",
    '{{< calc kv-cache layers="<img src=x onerror=window.__xss(\'calc\')>" >}}',
    '{{< calc "><img src=x onerror=window.__xss(\'calcname\')> >}}',
    '{{< <script>window.__xss("embed")</script> >}}',
    "# Heading <img src=x onerror=\"window.__xss('h')\">",
])


# --- the site under attack -------------------------------------------------------------------


def editor_form(client: HttpClient, path: str) -> tuple[str, str | None]:
    page = client.get(path).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    version = re.search(r'name="version" value="(\d+)"', page)
    return token, version.group(1) if version else None


def publish(client: HttpClient, **fields) -> str:
    """Save a new post through the editor; returns its edit URL."""
    token, _ = editor_form(client, "/editor/new")
    data = {"csrf_token": token, "action": "publish", **fields}
    answer = client.post_multipart("/editor/new", data)
    problems = re.findall(r'<p class="field-error"[^>]*>(.*?)</p>', answer.text, re.S)
    assert answer.status == 303, (answer.status, problems)
    return answer.headers["Location"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A served site (behind a trusted proxy at 127.0.0.1) holding a post with an attack in
    every field, a draft and a scheduled post, and an author whose name is an attack."""
    folder = tmp_path_factory.mktemp("attacks")
    database = prepare_site(folder)
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE users SET display_name = ?", (XSS[1] + XSS[0],))
    server = LiveServer(folder, database, PROXY_COUNT=1, LOGIN_MAX_FAILURES=3,
                        SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)
    server.start()
    try:
        author = server.client()
        assert author.login().status == 303
        future = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%S")
        server.attack_post = publish(
            author, title="Attack " + XSS[0] + XSS[1] + XSS[5], summary="Summary " + ALL_XSS,
            body=ALL_XSS + "\n\n" + MARKDOWN_XSS, tags="xss, " + XSS[1] + ", " + XSS[2],
            slug="attack",
        )
        publish(author, title="Plain neighbour", body="A post readers may see.", tags="xss")
        publish(author, title=f"Draft {SECRET}", body=f"Draft body {SECRET}", tags=f"xss, {SECRET}",
                slug=f"draft-{SECRET}", action="save")
        publish(author, title=f"Scheduled {SCHEDULED}", body=f"Scheduled body {SCHEDULED}",
                tags=f"xss, {SCHEDULED}", slug=f"scheduled-{SCHEDULED}", published_at=future)
        server.author = author
        yield server
    finally:
        server.stop()


# --- stored XSS, in Chromium -----------------------------------------------------------------

FIND_INJECTIONS = """() => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      if (attr.name.startsWith('on')) found.push(el.tagName + ' ' + attr.name);
      const url = ['href', 'src', 'action', 'formaction', 'xlink:href'].includes(attr.name);
      if (url && /^\\s*(javascript|vbscript):/i.test(attr.value) ||
          url && attr.name !== 'src' && /^\\s*data:/i.test(attr.value))
        found.push(el.tagName + ' ' + attr.name + '=' + attr.value);
      if (attr.name === 'style' || attr.name === 'srcdoc') found.push(el.tagName + ' ' + attr.name);
    }
    if (el.tagName === 'SCRIPT' && !el.src && el.type !== 'application/ld+json')
      found.push('inline script');
    if (['IFRAME', 'OBJECT', 'EMBED', 'STYLE'].includes(el.tagName)) found.push(el.tagName);
  }
  return found.concat(window.__hits);
}"""
WATCH = """
window.__hits = [];
window.__xss = (what) => window.__hits.push('ran:' + what);
document.addEventListener('securitypolicyviolation',
  (e) => window.__hits.push('csp:' + e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.mark.browser
def test_stored_xss_runs_nowhere_readers_or_authors_look(site, browser):
    base = f"http://127.0.0.1:{site.port}"
    post = site.author.get(site.attack_post).text
    edit_path = site.attack_post
    public = ["/", "/posts", "/posts/attack", "/archive", "/tags/xss",
              "/search?q=" + quote(XSS[1]), "/search?q=attack",
              "/-/calculators/kv-cache?layers=" + quote(XSS[2]),
              "/auth/login?next=" + quote(XSS[2])]
    public += sorted(set(re.findall(r'href="(/(?:tags|authors|topics)/[^"]+)"',
                                    site.author.get("/posts/attack").text)))
    editor = ["/editor/", edit_path, edit_path + "/revisions", edit_path + "/revisions/compare",
              "/editor/plugins"]
    assert "Attack" in post
    context = browser.new_context()
    try:
        context.add_init_script(WATCH)
        page = context.new_page()
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        problems = {}
        for path in public:
            page.goto(base + path)
            found = page.evaluate(FIND_INJECTIONS)
            if found:
                problems[path] = found
        page.goto(base + "/auth/login")
        page.fill("#username", USERNAME)
        page.fill("#password", PASSWORD)
        page.press("#password", "Enter")
        page.wait_for_url(re.compile(r".*/editor/.*"))
        for path in editor:
            page.goto(base + path)
            found = page.evaluate(FIND_INJECTIONS)
            if found:
                problems[path] = found
    finally:
        context.close()
    assert not dialogs
    assert not problems, json.dumps(problems, indent=1)


# --- CSRF on every state-changing route ------------------------------------------------------


def state_changing_rules(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            yield rule, method


def fill(rule, post_id: int, revision_id: int) -> str:
    values = {}
    for name in rule.arguments:
        if name.endswith("id"):
            values[name] = revision_id if "revision" in name else post_id
        else:
            values[name] = "x"
    return rule.build(values)[1]


def snapshot(app) -> tuple:
    with app.app_context():
        return (
            db.session.scalar(select(func.count(Post.id))),
            db.session.scalar(select(func.count(Revision.id))),
            db.session.scalar(select(func.max(Post.version))),
            tuple(db.session.scalars(select(User.session_generation))),
            tuple(db.session.scalars(select(Post.status).order_by(Post.id))),
        )


def test_every_state_changing_route_refuses_a_request_without_a_valid_csrf_token(app, tmp_path):
    client = app.test_client()
    auth = AuthActions(app, client)
    auth.login()
    token = auth.csrf_token("/editor/new")
    answer = client.post("/editor/new", data={"csrf_token": token, "title": "Target",
                                              "body": "x", "action": "save"})
    post_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        revision_id = db.session.scalar(select(func.max(Revision.id)))
    # The attacker's own valid token, from another session, is no better than none.
    attacker = app.test_client()
    foreign = AuthActions(app, attacker).csrf_token()
    before = snapshot(app)
    checked = []
    for rule, method in state_changing_rules(app):
        path = fill(rule, post_id, revision_id)
        # The Admin API takes no cookie at all, only an Authorization header that no other
        # site can make a browser send: a signed-in browser's request is a 401 there.
        refused = 401 if rule.rule.startswith("/api/") else 400
        for data in ({}, {"csrf_token": foreign}, {"csrf_token": "forged"}):
            form = {"title": "Hacked", "body": "pwned", "action": "publish", "version": "1",
                    "username": USERNAME, "password": PASSWORD, **data}
            response = client.open(path, method=method, data=form)
            assert response.status_code == refused, (method, path, data, response.status_code)
            json_response = client.open(path, method=method, json={"body": "pwned", **data})
            assert json_response.status_code == refused, (method, path, "json")
        checked.append(f"{method} {rule.rule}")
    assert snapshot(app) == before
    assert signed_in(client)
    assert "POST /editor/<int:post_id>" in checked and "POST /auth/logout" in checked
    assert "PATCH /api/v1/admin/posts/<int:post_id>" in checked
    assert "POST /editor/tokens/<int:token_id>/revoke" in checked
    assert len(checked) >= 10, checked


def signed_in(client) -> bool:
    return client.get("/editor/").status_code == 200


# --- open redirects --------------------------------------------------------------------------

HOSTILE_NEXT = [
    "//evil.example/", "https://evil.example/", "http:evil.example", "/\\evil.example",
    "\\\\evil.example", "/\t/evil.example", "/%09/evil.example", "javascript:alert(1)",
    "%2F%2Fevil.example", "/%2F%2Fevil.example", "///evil.example", " //evil.example",
    "https:/evil.example", "/\r\n//evil.example", "data:text/html,x",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_next_never_leads_off_the_site(site, target):
    client = site.client()
    token = client.get("/auth/login?next=" + quote(target, safe="")).csrf_token()
    answer = client.post("/auth/login", data={"csrf_token": token, "username": USERNAME,
                                              "password": PASSWORD, "next": target})
    assert answer.status == 303
    location = answer.headers["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert not any(ord(c) < 0x21 or c == "\\" for c in location), location
    assert urlsplit(urljoin("https://blog.example/auth/login", location)).netloc == "blog.example"
    # Already signed in, the sign-in page's redirect is just as careful.
    again = client.get("/auth/login?next=" + quote(target, safe=""))
    assert again.status == 200 or not again.headers["Location"].startswith(("//", "/\\", "http"))


# --- sessions ----------------------------------------------------------------------------------


def test_a_planted_session_cookie_gains_nothing_when_the_victim_signs_in(site):
    attacker = site.client()
    attacker.get("/auth/login")  # an anonymous session, with a CSRF secret in it
    planted = dict(attacker.cookies)
    assert planted
    victim = site.client()
    victim.cookies.update(planted)
    assert victim.login().status == 303
    assert victim.cookies != planted  # a new session was issued at sign-in
    assert victim.get("/editor/").status == 200
    assert attacker.get("/editor/").status == 302


def test_cookies_replayed_after_sign_out_open_nothing(site):
    victim = site.client()
    assert victim.login(remember=True).status == 303
    stolen = dict(victim.cookies)
    token = victim.get("/auth/logout").csrf_token()
    assert victim.post("/auth/logout", data={"csrf_token": token}).status == 303
    thief = site.client()
    thief.cookies.update(stolen)
    assert thief.get("/editor/").status == 302
    only_remember = site.client()
    only_remember.cookies.update({"remember_token": stolen["remember_token"]})
    assert only_remember.get("/editor/").status == 302
    site.author.login()  # signing out ended every session of the account, the fixture's too


# --- path traversal ----------------------------------------------------------------------------

TRAVERSALS = [
    "/uploads/../config.py", "/uploads/..%2fconfig.py", "/uploads/%2e%2e/config.py",
    "/uploads/..%2f..%2fetc%2fpasswd", "/uploads/%2e%2e%2fpressmark.sqlite",
    "/uploads/....//config.py", "/uploads/..\\config.py", "/uploads/%00.png",
    "/static/../config.py", "/static/..%2f..%2fconfig.py", "/static/%2e%2e/%2e%2e/etc/passwd",
    "/static/..%5c..%5cconfig.py", "/-/static/search/..%2f..%2f..%2fconfig.py",
    "/-/static/../../../etc/passwd", "/-/static/..%2fsearch/../../config.py",
    "/archive/../../../etc/passwd", "/posts/..%2f..%2fconfig.py", "/posts/../../config.py",
    "/2015/03/..%2f..%2f..%2fetc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_paths_never_leave_the_served_folders(site, path):
    answer = site.client().get(path)
    assert answer.status in (301, 302, 308, 400, 404), (path, answer.status)
    body = answer.body
    assert b"SECRET_KEY" not in body and b"root:" not in body and b"SQLite format" not in body
    if answer.status in (301, 302, 308):
        follow = site.client().get(answer.headers["Location"].replace(
            f"http://127.0.0.1:{site.port}", ""))
        assert b"SECRET_KEY" not in follow.body and b"root:" not in follow.body


# --- SQL and full-text-search injection ------------------------------------------------------

INJECTIONS = [
    "'", '"', "' OR '1'='1", "' OR 1=1 --", '" OR ""="', "1; DROP TABLE posts; --",
    "*", "NEAR(", "a AND", ")", "(", "title:x", "^x", "-x", "x OR", "\"unterminated",
    "%", "_", "\\", "' UNION SELECT password_hash FROM users --", "draft*", SECRET,
    SCHEDULED, "x" * 5000, "\u0000", "é" * 100,
]


@pytest.mark.parametrize("term", INJECTIONS)
def test_search_and_tags_treat_any_input_as_text(site, term):
    reader = site.client()
    for path in ("/search?q=" + quote(term, safe=""), "/tags/" + quote(term, safe=""),
                 "/api/v1/search?q=" + quote(term, safe=""),
                 "/api/v1/tags/" + quote(term, safe=""),
                 "/api/v1/posts?tag=" + quote(term, safe=""),
                 "/api/v1/posts?cursor=" + quote(term, safe=""),
                 "/api/v1/posts?fields=" + quote(term, safe="")):
        answer = reader.get(path)
        assert answer.status in (200, 301, 308, 400, 404), (path, answer.status)
        for hidden in [*LEAKS, "scrypt:"]:
            assert hidden not in answer.text, (path, hidden)


@pytest.mark.parametrize("page", ["1'", "-1", "0", "1e9", "99999999999999999999", "1 OR 1=1",
                                  "²", "1.5", "", "0x10", "%00"])
def test_page_numbers_are_numbers(site, page):
    for path in ("/posts", "/tags/xss", "/search"):
        answer = site.client().get(f"{path}?page={quote(page, safe='')}&q=post")
        assert answer.status in (200, 301, 400, 404), (path, page, answer.status)


@pytest.mark.parametrize("value", ["1'", "-1", "0", "1e9", "99999999999999999999", "²", "",
                                   "%00", "1 OR 1=1", "WyJ4Il0", "eyJhIjoxfQ", "W251bGwsbnVsbF0",
                                   "WyI5OTk5OS0wMS0wMSIsLTFd", "../../etc/passwd"])
def test_api_parameters_are_checked_not_trusted(site, value):
    """Limits, cursors (forged ones too: ["x"], {"a":1}, [null,null]) and dates: a 200 or
    a 400 problem document, never an error or a hidden post."""
    for name in ("limit", "cursor", "updated_since", "published_before", "fields"):
        answer = site.client().get(f"/api/v1/posts?{name}={quote(value, safe='')}")
        assert answer.status in (200, 400), (name, value, answer.status)
        if answer.status == 400:
            assert answer.headers["Content-Type"] == "application/problem+json"
            assert json.loads(answer.text)["parameter"] == name
        for hidden in LEAKS:
            assert hidden not in answer.text, (name, value, hidden)


def test_the_database_is_intact_after_the_injections(site):
    with sqlite3.connect(site.env["PRESSMARK_SQLALCHEMY_DATABASE_URI"][len("sqlite:///"):]) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert c.execute("SELECT count(*) FROM posts").fetchone()[0] >= 4
        assert c.execute("SELECT count(*) FROM users").fetchone()[0] == 1


# --- drafts and scheduled posts stay hidden --------------------------------------------------


def public_outputs(site) -> list[str]:
    paths = ["/", "/posts", "/posts?page=2", "/archive", "/tags/xss", f"/tags/{SECRET}",
             f"/tags/{SCHEDULED}", "/feed.xml", "/feed.atom", "/feed.json", "/tags/xss/feed.xml",
             "/tags/xss/feed.atom", "/tags/xss/feed.json", "/sitemap.xml", "/robots.txt",
             "/llms.txt", f"/posts/draft-{SECRET}", f"/posts/draft-{SECRET}.md",
             f"/posts/scheduled-{SCHEDULED}", f"/posts/scheduled-{SCHEDULED}.md",
             f"/search?q={SECRET}", f"/search?q={SCHEDULED}", "/search?q=marker",
             "/search?q=draft", "/search?q=scheduled", "/-/plugins.json", "/-/health",
             "/posts/attack", "/posts/plain-neighbour", "/posts/plain-neighbour.md",
             "/api/v1/posts?limit=100&formats=html,markdown,text", "/api/v1/pages",
             f"/api/v1/posts/draft-{SECRET}", f"/api/v1/posts/scheduled-{SCHEDULED}",
             f"/api/v1/pages/draft-{SECRET}", "/api/v1/tags?limit=100", f"/api/v1/tags/{SECRET}",
             f"/api/v1/tags/{SCHEDULED}", "/api/v1/authors", "/api/v1/series", "/api/v1/topics",
             "/api/v1/posts?tag=xss&formats=markdown", f"/api/v1/search?q={SECRET}",
             f"/api/v1/search?q={SCHEDULED}", "/api/v1/search?q=marker", "/api/v1/openapi.json",
             "/api/v1/posts/attack?formats=html,markdown,text"]
    home = site.client().get("/").text
    paths += sorted(set(re.findall(r'href="(/(?:topics|authors|series|pages)/[^"#?]+)"', home)))
    return paths


def test_drafts_and_scheduled_posts_show_in_no_public_output(site):
    reader = site.client()
    seen = {}
    for path in public_outputs(site):
        answer = reader.get(path)
        assert answer.status < 500, (path, answer.status)
        for hidden in LEAKS:
            if hidden in answer.text.replace(path, ""):
                seen[path] = hidden
        if answer.status == 200 and "search" not in path and (SECRET in path or SCHEDULED in path):
            seen[path] = "answered 200"
    assert not seen, seen
    # ... and the author does see them.
    dashboard = site.author.get("/editor/").text
    assert SECRET in dashboard and SCHEDULED in dashboard


def test_the_static_export_has_no_drafts_or_scheduled_posts(site, tmp_path):
    import subprocess
    import sys

    commands = subprocess.run([sys.executable, "-m", "pressmark.cli", "--help"],
                              env=site.env, capture_output=True, text=True).stdout
    if not re.search(r"^\s+freeze\b", commands, re.M):
        pytest.skip("this version has no static export (pressmark freeze)")
    out = tmp_path / "static"
    env = {**site.env, "PRESSMARK_SITE_URL": "https://blog.example.com"}
    result = subprocess.run([sys.executable, "-m", "pressmark.cli", "freeze", str(out)],
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    leaks = []
    for root, _dirs, files in os.walk(out):
        for name in files:
            with open(os.path.join(root, name), "rb") as file:
                text = file.read()
            if SECRET.encode() in text or SCHEDULED.encode() in text:
                leaks.append(os.path.join(root, name))
    assert not leaks, leaks
    assert (out / "posts" / "attack").exists() or any(out.rglob("attack*")), "nothing frozen"


# --- brute force behind a proxy ----------------------------------------------------------------


def test_a_brute_force_behind_the_proxy_locks_the_attacker_not_the_author(site):
    guesses = 0
    for n in range(6):
        # A fresh made-up address before the proxy's own entry each time: ignored.
        attacker = site.client(**{"X-Forwarded-For": f"10.0.{n}.1, 203.0.113.200"})
        status = attacker.login(username=USERNAME, password=f"guess {n}").status
        guesses += status == 422
    assert guesses < 3  # the limit (3) held
    assert status == 429
    # The account is locked for strangers now, but the author's own browser signed in
    # before (the fixture's client), and a different reader's address is not locked.
    assert site.author.login().status == 303
    reader = site.client(**{"X-Forwarded-For": "198.51.100.9"})
    assert reader.get("/").status == 200
