"""The editor warns when the rendered post lost a noticeable share of the source's words,
in the preview (live and without JavaScript) and after a save."""

import pytest
from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor
from pressmark import hookimpl
from pressmark.state import app_state

from tests.web.test_editor import flashes, start_writing


class _DropAfterCut(Postprocessor):
    def run(self, text):
        return text.split("CUT", 1)[0]


class _CutExtension(Extension):
    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's API name
        md.postprocessors.register(_DropAfterCut(md), "cut", 0)


class CuttingPlugin:
    """A plugin whose Markdown extension silently drops everything after "CUT"."""

    @hookimpl
    def register_markdown_extensions(self, app):
        return [_CutExtension()]


BODY = "The start is kept. CUT Everything after the marker vanishes without a trace here.\n"


@pytest.fixture
def author(app, client):
    app_state(app).pm.register(CuttingPlugin(), name="cutting")
    app_state(app).forget_plugin_caches()
    return start_writing(app, client)


def test_live_preview_warns_about_lost_words(author):
    response = author.client.post("/editor/preview", data={"body": BODY},
                                  headers={"X-CSRFToken": author.token()})
    html = response.get_data(as_text=True)
    assert 'class="notice preview-warning" role="alert"' in html
    assert "different words of the text do not appear in the rendered post" in html
    assert "“everything”" in html


def test_preview_without_js_and_save_both_warn_and_the_text_is_kept(author):
    post_id = author.create(title="Cut", body="Fine text.")
    html = author.submit(f"/editor/{post_id}", "preview", body=BODY).get_data(as_text=True)
    assert "preview-warning" in html
    response = author.submit(f"/editor/{post_id}", "save", body=BODY)
    assert response.status_code == 303
    messages = flashes(author.page(f"/editor/{post_id}"))
    assert any("do not appear in the rendered post" in m for m in messages)
    assert author.post(post_id).body == BODY


def test_an_ordinary_save_has_no_warning(app, client):
    author = start_writing(app, client)
    post_id = author.create(title="Fine", body="Put CSS in a <style> element; the rest stays.\n")
    messages = flashes(author.page(f"/editor/{post_id}"))
    assert messages and not any("rendered post" in m for m in messages)
