"""Images in a site's own folders come over as uploads, however they are linked, and their
old addresses answer 301 to the uploads (``sites/jekyll-images``)."""

import re

from tests.migrate.test_old_urls import SITES

OLD_IMAGES = ["/images/van.png", "/images/map.png", "/assets/img/chart.png",
              "/assets/img/chart@2x.png", "/2019/08/moving-day/beside.png"]


def test_static_images_become_uploads_with_links_rewritten(app, run_import):
    report, posts = run_import(SITES / "jekyll-images", "jekyll")
    body = posts["moving-day"].body
    uploads = set(re.findall(r"/uploads/[0-9a-f]{64}\.\w+", body))
    assert len(uploads) == 5  # five distinct images, every link rewritten
    assert "![The van](/uploads/" in body and '"Our van")' in body
    assert re.search(r"^\[map\]: /uploads/", body, re.M)
    assert re.search(r'srcset="/uploads/\S+ 1x, /uploads/\S+ 2x"', body)
    assert "![Again](/uploads/" in body and "![Beside](/uploads/" in body
    # What cannot be found is named, and left as written; other sites' images stay there.
    assert "![Gone](/images/gone.png)" in body
    assert "https://elsewhere.example/far.png" in body
    notes = report.line_for("_posts/2019-08-01-moving-day.md").notes
    assert "image(s) not found in the site's folder, links left as they are: " \
           "/images/gone.png" in notes
    client = app.test_client()
    for upload in uploads:
        with client.get(upload) as answer:
            assert answer.status_code == 200 and answer.mimetype == "image/png"


def test_old_image_addresses_answer_301_to_their_uploads(app, run_import):
    _, posts = run_import(SITES / "jekyll-images", "jekyll")
    client = app.test_client()
    for old in OLD_IMAGES:
        answer = client.get(old)
        assert answer.status_code == 301, old
        assert re.fullmatch(r"/uploads/[0-9a-f]{64}\.\w+", answer.headers["Location"]), old
        assert answer.headers["Location"] in posts["moving-day"].body
    assert client.get("/images/gone.png").status_code == 404
