"""Featured images, as each generator's themes name them, become the posts' covers."""

import pytest

from tests.migrate.conftest import PNG, write

DATED = "---\ntitle: {title}\ndate: 2021-01-01\n{extra}---\n{title} text.\n"


def cover(post) -> tuple[bool, str]:
    """(the cover is an upload of this site, its alt text)."""
    return post.cover_image.startswith("/uploads/"), post.cover_alt


def test_hugo_covers_from_front_matter_and_bundles(app, run_import):
    site = {
        "hugo.toml": 'baseURL = "https://x/"\n',
        "static/img/hero.png": PNG,
        "content/posts/a.md": DATED.format(
            title="A", extra="cover:\n  image: /img/hero.png\n  alt: A red sky\n"),
        "content/posts/b.md": DATED.format(title="B", extra="images: [img/hero.png]\n"),
        "content/posts/c.md": DATED.format(title="C", extra="featured_image: /img/hero.png\n"),
        "content/posts/bundle/index.md": DATED.format(title="Bundle", extra=""),
        "content/posts/bundle/a-thumbnail.png": PNG,
        "content/posts/bundle/my-featured-photo.png": PNG + b"\0",
        "content/posts/logo.md": DATED.format(title="Logo", extra="image: /img/logo.svg\n"),
        "static/img/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
        "content/posts/lost.md": DATED.format(title="Lost", extra="image: /img/nowhere.png\n"),
        "content/posts/escape.md": DATED.format(title="Escape",
                                                extra="image: ../../../etc/hero.png\n"),
        "content/posts/plain.md": DATED.format(title="Plain", extra=""),
    }
    report, posts = run_import(site)
    assert cover(posts["a"]) == (True, "A red sky")
    # No alt text in the source: the title stands in, and the author is told.
    assert cover(posts["b"]) == (True, "B") and cover(posts["c"]) == (True, "C")
    assert any("the title is used" in n for n in report.line_for("content/posts/b.md").notes)
    assert cover(posts["bundle"]) == (True, "Bundle")
    # Hugo's templates take the image named "*feature*" before "*cover*"/"*thumbnail*".
    assert ("cover image imported: my-featured-photo.png"
            in report.line_for("content/posts/bundle/index.md").notes)
    assert posts["logo"].cover_image == "" and any(
        "is an SVG image" in n for n in report.line_for("content/posts/logo.md").notes)
    assert posts["lost"].cover_image == "" and posts["escape"].cover_image == ""
    assert ("featured image '/img/nowhere.png' not found in the site's folder: no cover"
            in report.line_for("content/posts/lost.md").notes)
    assert posts["plain"].cover_image == ""
    assert not report.failed
    # Readers see it: the post's page shows the uploaded image with its alt text.
    page = app.test_client().get("/posts/a").get_data(as_text=True)
    assert posts["a"].cover_image in page and 'alt="A red sky"' in page


@pytest.mark.parametrize(("files", "alt"), [
    ({"_config.yml": "title: x\n", "assets/hero.png": PNG,
      "_posts/2021-01-01-p.md": "---\ntitle: P\nimage:\n  path: /assets/hero.png\n"
                                "  alt: Jekyll alt\n---\nx\n"}, "Jekyll alt"),
    ({"_config.yml": "title: x\n", "assets/images/hero.png": PNG,
      "_posts/2021-01-01-p.md": "---\ntitle: P\nheader:\n  image: /assets/images/hero.png\n"
                                "  image_description: Header alt\n---\nx\n"}, "Header alt"),
    ({"pelicanconf.py": "SITENAME = 'x'\n", "content/images/hero.png": PNG,
      "content/p.md": "Title: P\nDate: 2021-01-01\nImage: {static}/images/hero.png\n\nx\n"},
     "P"),
    ({"eleventy.config.js": "module.exports = () => {};\n", "img/hero.png": PNG,
      "posts/p.md": "---\ntitle: P\ndate: 2021-01-01\nimage: /img/hero.png\n"
                    "imageAlt: Eleventy alt\n---\nx\n"}, "Eleventy alt"),
    ({"config.toml": 'base_url = "https://z/"\n', "content/blog/_index.md": "+++\n+++\n",
      "content/blog/p/index.md": '+++\ntitle = "P"\ndate = 2021-01-01\n[extra]\n'
                                 'image = "hero.png"\nimage_alt = "Zola alt"\n+++\nx\n',
      "content/blog/p/hero.png": PNG}, "Zola alt"),
], ids=["jekyll-image-path", "jekyll-header", "pelican", "eleventy", "zola"])
def test_each_generator_names_its_cover(run_import, files, alt):
    report, posts = run_import(files)
    assert not report.failed
    assert cover(posts["p"]) == (True, alt)


WXR = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
  <title>WP</title><link>https://wp.example.com</link>
  <item>
    <title>With a cover</title><link>https://wp.example.com/with-a-cover/</link>
    <content:encoded><![CDATA[<p>Hi.</p>]]></content:encoded>
    <wp:post_id>1</wp:post_id>
    <wp:post_date_gmt>2020-01-02 00:00:00</wp:post_date_gmt>
    <wp:post_name>with-a-cover</wp:post_name><wp:status>publish</wp:status>
    <wp:post_type>post</wp:post_type>
    <wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>10</wp:meta_value>
    </wp:postmeta>
  </item>
  <item>
    <title>Missing attachment</title><link>https://wp.example.com/missing/</link>
    <content:encoded><![CDATA[<p>Hi.</p>]]></content:encoded>
    <wp:post_id>2</wp:post_id>
    <wp:post_date_gmt>2020-01-03 00:00:00</wp:post_date_gmt>
    <wp:post_name>missing</wp:post_name><wp:status>publish</wp:status>
    <wp:post_type>post</wp:post_type>
    <wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>99</wp:meta_value>
    </wp:postmeta>
  </item>
  <item>
    <title>hero</title><wp:post_id>10</wp:post_id><wp:post_type>attachment</wp:post_type>
    <wp:status>inherit</wp:status>
    <wp:attachment_url>https://wp.example.com/wp-content/uploads/2020/01/hero.png</wp:attachment_url>
    <wp:postmeta><wp:meta_key>_wp_attachment_image_alt</wp:meta_key>
      <wp:meta_value>A WordPress hero</wp:meta_value></wp:postmeta>
  </item>
</channel>
</rss>
"""


def test_wordpress_thumbnail_becomes_the_cover(tmp_path, run_import):
    site = write(tmp_path / "wp", {"export.xml": WXR, "wp-content/uploads/2020/01/hero.png": PNG})
    report, posts = run_import(site / "export.xml")
    assert cover(posts["with-a-cover"]) == (True, "A WordPress hero")
    assert "cover image imported: hero.png" in report.line_for("export.xml#post-1").notes
    assert posts["missing"].cover_image == ""
    assert ("featured image (attachment 99) is not in the export: no cover"
            in report.line_for("export.xml#post-2").notes)
