"""The editor in a real browser: sign in, write with a live preview, publish, rename,
upload images, and get unsaved text back after the tab was closed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from pressmark.content.models import Post, Revision, User
from pressmark.content.store import PostData, save_post
from pressmark.extensions import db
from sqlalchemy import select

from tests.web.test_uploads import SVG, png

USERNAME = "author"
PASSWORD = "correct horse battery staple"
TIMEOUT = 10_000

BODY = """Serving a model means paying for its KV cache.

```python
def kv_bytes(layers, heads, dim, tokens):
    return 2 * layers * heads * dim * tokens * 2
```

{{< calc kv-cache model=llama-3-8b >}}
"""


@pytest.fixture
def site(live_server):
    """The live server with an author account."""
    with live_server.app.app_context():
        user = User(username=USERNAME, display_name="Ada Author")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    return live_server


def collect_console(page) -> list[str]:
    messages: list[str] = []
    page.on("console", lambda msg: messages.append(msg.text))
    return messages


def sign_in(page, url: str, path: str = "/editor/") -> None:
    """Go to an editor page, get sent to the real sign-in form, sign in, come back."""
    page.goto(url + path)
    expect(page).to_have_url(re.compile(r"/auth/login"))
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(path.split("?")[0]) + r"$"))
    page.wait_for_load_state("load")  # the editor's deferred script has run


def post_id_from(page) -> int:
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def make_post(app, title: str, body: str) -> int:
    with app.app_context():
        return save_post(PostData(title=title, body=body)).id


def test_write_preview_publish_and_rename(site, page):
    console = collect_console(page)
    sign_in(page, site.url)
    page.get_by_role("link", name="New post").click()

    page.fill("#ed-title", "Serving Llama with a KV cache")
    expect(page.locator("#ed-slug")).to_have_value("serving-llama-with-a-kv-cache")
    page.select_option("#ed-topic", label="Inference Engines")
    page.fill("#ed-tags", "kv-cache, serving")
    page.fill("#ed-body", BODY)
    preview = page.locator("#preview")
    # The server's pipeline: Pygments highlighting and the calculator embed.
    expect(preview.locator(".highlight")).to_contain_text("def kv_bytes", timeout=TIMEOUT)
    expect(preview.locator("form.calc")).to_contain_text("KV-cache size", timeout=TIMEOUT)
    # The preview follows typing.
    page.locator("#ed-body").press("End")
    page.locator("#ed-body").press_sequentially("\nA closing *thought*.")
    expect(preview.locator("em")).to_have_text("thought", timeout=TIMEOUT)

    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".flash")).to_contain_text("Published")
    post_id = post_id_from(page)

    page.goto(site.url + "/")
    expect(page.get_by_role("link", name="Serving Llama with a KV cache").first).to_be_visible()
    feed = page.request.get(site.url + "/feed.xml")  # the feeds plugin
    assert feed.status == 200
    assert "Serving Llama with a KV cache" in feed.text()

    # Rename the slug; the old address answers 301 to the new one.
    page.goto(f"{site.url}/editor/{post_id}")
    page.fill("#ed-slug", "llama-kv-cache")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".flash")).to_contain_text("Saved")
    response = page.request.get(site.url + "/posts/serving-llama-with-a-kv-cache",
                                max_redirects=0)
    assert response.status == 301
    assert response.headers["location"].endswith("/posts/llama-kv-cache")
    page.goto(site.url + "/posts/serving-llama-with-a-kv-cache")
    expect(page).to_have_url(site.url + "/posts/llama-kv-cache")
    expect(page.locator("h1")).to_have_text("Serving Llama with a KV cache")
    expect(page.locator(".post-body .highlight")).to_contain_text("def kv_bytes")

    assert not page.js_errors
    assert not [m for m in console if "Content Security Policy" in m], console


def test_a_future_date_turns_publish_into_schedule(site, page):
    sign_in(page, site.url, "/editor/new")
    button = page.locator("[data-publish-button]")
    expect(button).to_have_text("Publish")
    page.fill("#ed-published_at", "2099-01-01T09:00")
    expect(button).to_have_text("Schedule")
    page.fill("#ed-title", "Far future")
    button.click()
    expect(page.locator(".flash")).to_contain_text("Scheduled: the post will appear by itself")
    assert page.request.get(site.url + "/posts/far-future").status == 404


def test_closing_the_tab_mid_edit_keeps_the_text_in_this_browser(site, context, page):
    post_id = make_post(site.app, "Notes on paged attention", "Saved first paragraph.")
    sign_in(page, site.url, f"/editor/{post_id}")
    context.set_offline(True)  # no autosave can reach the server: only this browser keeps it
    page.locator("#ed-body").press("End")
    page.locator("#ed-body").press_sequentially(" Unsaved second thought.")
    page.close()
    context.set_offline(False)

    tab = context.new_page()
    tab.goto(f"{site.url}/editor/{post_id}")
    notice = tab.locator("#local-recovery")
    expect(notice).to_be_visible()
    expect(tab.locator("#autosave-notice")).to_have_count(0)
    expect(tab.locator("#ed-body")).to_have_value("Saved first paragraph.")
    notice.get_by_role("button", name="Restore my unsaved text").click()
    expect(notice).to_be_hidden()
    expect(tab.locator("#ed-body")).to_have_value(
        "Saved first paragraph. Unsaved second thought.")
    tab.get_by_role("button", name="Save draft").click()
    expect(tab.locator(".flash")).to_contain_text("Draft saved")
    with site.app.app_context():
        saved = db.session.get(Post, post_id).body
    assert saved == "Saved first paragraph. Unsaved second thought."
    # Saved: the copy in this browser is gone, so nothing is offered any more.
    tab.reload()
    expect(tab.locator("#local-recovery")).to_be_hidden()


def test_autosave_reaches_the_server_and_another_browser_can_restore_it(site, browser, page):
    post_id = make_post(site.app, "Speculative decoding, revisited", "Draft tokens.")
    sign_in(page, site.url, f"/editor/{post_id}")
    page.locator("#ed-body").press("End")
    page.locator("#ed-body").press_sequentially(" Verified by the target model.")
    expect(page.locator("#autosave-status")).to_contain_text("Autosaved at", timeout=TIMEOUT)
    with site.app.app_context():
        revision = db.session.scalar(select(Revision).where(Revision.post_id == post_id,
                                                            Revision.kind == "autosave"))
        assert revision.body == "Draft tokens. Verified by the target model."
        assert db.session.get(Post, post_id).body == "Draft tokens."  # the post is untouched
    page.close()

    other = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        tab = other.new_page()
        sign_in(tab, site.url, f"/editor/{post_id}")
        notice = tab.locator("#autosave-notice")
        expect(notice).to_be_visible()
        notice.get_by_role("link", name="Restore the autosaved text").click()
        expect(tab.locator("#ed-body")).to_have_value("Draft tokens. Verified by the target model.")
    finally:
        other.close()


def test_images_by_picker_drop_and_paste_are_inserted_at_the_cursor(site, page, tmp_path):
    post_id = make_post(site.app, "Pictures", "Before. After.")
    sign_in(page, site.url, f"/editor/{post_id}")
    body = page.locator("#ed-body")
    expect(page.locator("[data-upload-button]")).to_be_hidden()  # the picker uploads at once
    body.evaluate("el => { el.focus(); el.setSelectionRange(7, 7); }")  # after "Before."
    image = tmp_path / "chart.png"
    image.write_bytes(png(3, 2))
    page.fill("#ed-image_alt", "A chart")
    page.set_input_files("#ed-image", str(image))
    expect(page.locator("#upload-status")).to_contain_text("Uploaded", timeout=TIMEOUT)
    value = body.input_value()
    # Its own paragraph, the line split at the cursor.
    assert re.fullmatch(r"Before\.\n\n!\[A chart\]\(/uploads/[0-9a-f]{64}\.png\)\n\nAfter\.", value)
    img = page.locator("#preview img[alt='A chart']")
    expect(img).to_be_visible(timeout=TIMEOUT)
    # Loaded, with its recorded size (a srcset scales naturalWidth to the slot, so the
    # width attribute is what says 3 px).
    assert img.evaluate("el => el.complete && el.naturalWidth > 0")
    assert (img.get_attribute("width"), img.get_attribute("height")) == ("3", "2")

    # Dropping a file on the body uploads it too; an SVG is refused with a message.
    page.evaluate(
        """([svg]) => {
          const data = new DataTransfer();
          data.items.add(new File([svg], "logo.svg", {type: "image/svg+xml"}));
          document.getElementById("ed-body").dispatchEvent(
            new DragEvent("drop", {dataTransfer: data, bubbles: true, cancelable: true}));
        }""",
        [SVG.decode()],
    )
    status = page.locator("#upload-status")
    expect(status).to_contain_text("SVG images cannot be uploaded", timeout=TIMEOUT)
    assert body.input_value() == value

    # Pasting an image (a screenshot from the clipboard) inserts it at the cursor.
    body.evaluate("el => { el.focus(); el.setSelectionRange(0, 0); }")
    page.evaluate(
        """([bytes]) => {
          const data = new DataTransfer();
          data.items.add(new File([new Uint8Array(bytes)], "image.png", {type: "image/png"}));
          document.getElementById("ed-body").dispatchEvent(
            new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
        }""",
        [list(png(1, 1))],
    )
    expect(status).to_contain_text("Uploaded “image.png”", timeout=TIMEOUT)
    assert re.match(r"!\[image\]\(/uploads/[0-9a-f]{64}\.png\)\n\nBefore\.", body.input_value())
    assert not page.js_errors


def test_a_picked_cover_uploads_at_once_and_is_saved_with_the_post(site, page, tmp_path):
    post_id = make_post(site.app, "Covered", "Words.")
    sign_in(page, site.url, f"/editor/{post_id}")
    preview = page.locator("#ed-cover-preview")
    expect(preview).to_have_count(0)  # no cover yet
    picture = tmp_path / "cover.png"
    picture.write_bytes(png(40, 21))
    page.set_input_files("#ed-cover_file", str(picture))
    expect(page.locator("#ed-cover-status")).to_contain_text("it is the cover now",
                                                               timeout=TIMEOUT)
    cover = page.locator("#ed-cover_image").input_value()
    assert re.fullmatch(r"/uploads/[0-9a-f]{64}\.png", cover)
    expect(preview).to_be_visible()
    assert preview.evaluate("img => img.naturalWidth") == 40  # the upload itself loaded
    page.fill("#ed-cover_alt", "A small test card")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".flash")).to_be_visible(timeout=TIMEOUT)
    with site.app.app_context():
        stored = db.session.get(Post, post_id)
        assert (stored.cover_image, stored.cover_alt) == (cover, "A small test card")
    assert not page.js_errors


def test_dashboard_filters_as_you_type(site, page):
    sign_in(page, site.url)
    rows = page.locator("#editor-groups tr[data-filter-text]")
    total = rows.count()
    assert total >= 60
    page.fill("#filter-q", "paged")
    expect(page.locator("#filter-status")).to_contain_text(re.compile(r"match(es)? “paged”"))
    visible = page.locator("#editor-groups tr[data-filter-text]:visible")
    expect(visible).not_to_have_count(total)
    for text in visible.all_inner_texts():
        assert "paged" in text.lower()
    page.fill("#filter-q", "")
    expect(page.locator("#editor-groups tr[data-filter-text]:visible")).to_have_count(total)


def upload_at(page, tmp_path, position: int, alt: str) -> None:
    """Put the caret at ``position`` in the body and upload a picked image there."""
    page.locator("#ed-body").evaluate(
        "(el, at) => { el.focus(); el.setSelectionRange(at, at); }", position)
    image = tmp_path / f"{alt}.png"
    image.write_bytes(png(2 + position % 7, 2))
    page.fill("#ed-image_alt", alt)
    page.set_input_files("#ed-image", str(image))
    expect(page.locator("#upload-status")).to_contain_text(f"Uploaded “{alt}.png”",
                                                           timeout=TIMEOUT)


def test_an_inserted_image_is_its_own_paragraph_wherever_the_caret_is(site, page, tmp_path):
    """The cursor at the start of "## Code" used to give "![…](…)## Code": a literal
    "## Code" on the published page."""
    text = "Intro words here.\n\n## Code\n\nLast line"
    post_id = make_post(site.app, "Blocks", text)
    sign_in(page, site.url, f"/editor/{post_id}")
    body = page.locator("#ed-body")
    upload_at(page, tmp_path, text.index("## Code"), "start")  # start of a line
    upload_at(page, tmp_path, body.input_value().index(" words"), "middle")  # middle
    upload_at(page, tmp_path, len(body.input_value()), "end")  # end of the last line
    image = r"!\[{}\]\(/uploads/[0-9a-f]{{64}}\.png\)"
    assert re.fullmatch(
        "Intro\n\n" + image.format("middle") + "\n\nwords here\\.\n\n" + image.format("start")
        + "\n\n## Code\n\nLast line\n\n" + image.format("end") + "\n\n",
        body.input_value()), body.input_value()
    preview = page.locator("#preview")
    expect(preview.get_by_role("heading", name="Code")).to_be_visible(timeout=TIMEOUT)
    expect(preview.locator("p", has_text="Intro")).to_have_text("Intro")
    expect(preview.locator("img[alt=middle]")).to_have_count(1)

    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".flash")).to_contain_text("Published", timeout=TIMEOUT)
    page.goto(site.url + "/posts/blocks")
    article = page.locator(".post-body")
    expect(article.get_by_role("heading", name="Code", level=2)).to_be_visible()
    assert "##" not in article.inner_text()
    for alt in ("start", "middle", "end"):
        expect(article.locator(f"img[alt={alt}]")).to_have_count(1)
    assert not page.js_errors


def test_an_autosave_and_its_restore_keep_the_cover(site, browser, page, tmp_path):
    """The script's field list lacked the cover, so an autosave stored an empty cover and
    restoring that autosave removed it."""
    post_id = make_post(site.app, "With a cover", "Cover first.")
    sign_in(page, site.url, f"/editor/{post_id}")
    picture = tmp_path / "cover.png"
    picture.write_bytes(png(40, 21))
    page.set_input_files("#ed-cover_file", str(picture))
    expect(page.locator("#ed-cover-status")).to_contain_text("it is the cover now",
                                                               timeout=TIMEOUT)
    cover = page.locator("#ed-cover_image").input_value()
    page.fill("#ed-cover_alt", "A cover")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".flash")).to_contain_text("Draft saved", timeout=TIMEOUT)
    page.locator("#ed-body").press("End")
    page.locator("#ed-body").press_sequentially(" Then words.")
    expect(page.locator("#autosave-status")).to_contain_text("Autosaved at", timeout=TIMEOUT)
    with site.app.app_context():
        revision = db.session.scalar(select(Revision).where(Revision.post_id == post_id,
                                                            Revision.kind == "autosave"))
        assert (revision.body, revision.cover_image, revision.cover_alt) == (
            "Cover first. Then words.", cover, "A cover")
    page.close()

    other = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        tab = other.new_page()
        sign_in(tab, site.url, f"/editor/{post_id}")
        tab.locator("#autosave-notice").get_by_role(
            "link", name="Restore the autosaved text").click()
        expect(tab.locator("#ed-body")).to_have_value("Cover first. Then words.")
        expect(tab.locator("#ed-cover_image")).to_have_value(cover)
        expect(tab.locator("#ed-cover_alt")).to_have_value("A cover")
        tab.get_by_role("button", name="Save draft").click()
        expect(tab.locator(".flash")).to_contain_text("Draft saved", timeout=TIMEOUT)
        with site.app.app_context():
            saved = db.session.get(Post, post_id)
            assert (saved.body, saved.cover_image, saved.cover_alt) == (
                "Cover first. Then words.", cover, "A cover")
    finally:
        other.close()
