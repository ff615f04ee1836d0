"""WordPress: a WXR export with posts, pages, drafts, trash, attachments and shortcodes."""

from datetime import datetime

from pressmark.content.models import User
from pressmark.extensions import db

from tests.migrate.conftest import PNG, aliases, write

WXR = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
  xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
  xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:wfw="http://wellformedweb.org/CommentAPI/"
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
  <title>Old WP</title>
  <link>https://wp.example.com</link>
  <wp:wxr_version>1.2</wp:wxr_version>
  <item>
    <title>Hello &amp; welcome</title>
    <link>https://wp.example.com/2019/02/03/hello-world/</link>
    <dc:creator><![CDATA[ada]]></dc:creator>
    <content:encoded><![CDATA[<!-- wp:paragraph -->
<p>First <strong>bold</strong> words with <a href="https://example.org">a link</a>.</p>
<!-- /wp:paragraph -->
<h2>Section</h2>
<ul><li>one</li><li>two</li></ul>
<p><img src="https://wp.example.com/wp-content/uploads/2019/02/chart.png" alt="Chart" /></p>
<p><img src="https://wp.example.com/wp-content/uploads/2019/02/gone.png" alt="Gone" /></p>
[caption id="attachment_9" align="alignnone"]A captioned thing[/caption]
[gallery ids="1,2"]]]></content:encoded>
    <excerpt:encoded><![CDATA[<p>The excerpt.</p>]]></excerpt:encoded>
    <wp:post_id>1</wp:post_id>
    <wp:post_date><![CDATA[2019-02-03 11:00:00]]></wp:post_date>
    <wp:post_date_gmt><![CDATA[2019-02-03 10:00:00]]></wp:post_date_gmt>
    <wp:post_modified_gmt><![CDATA[2019-03-01 08:00:00]]></wp:post_modified_gmt>
    <wp:post_name><![CDATA[hello-world]]></wp:post_name>
    <wp:status><![CDATA[publish]]></wp:status>
    <wp:post_type><![CDATA[post]]></wp:post_type>
    <wp:is_sticky>1</wp:is_sticky>
    <category domain="category" nicename="news"><![CDATA[News]]></category>
    <category domain="category" nicename="uncategorized"><![CDATA[Uncategorized]]></category>
    <category domain="post_tag" nicename="c-2"><![CDATA[C++]]></category>
    <wp:comment><wp:comment_id>5</wp:comment_id>
      <wp:comment_content><![CDATA[Nice post]]></wp:comment_content></wp:comment>
  </item>
  <item>
    <title>Привет мир</title>
    <link>https://wp.example.com/?p=2</link>
    <content:encoded><![CDATA[Plain paragraph one.

Paragraph two
with a line break.

<table><tr><td colspan="2">merged</td></tr></table>]]></content:encoded>
    <wp:post_id>2</wp:post_id>
    <wp:post_date_gmt><![CDATA[0000-00-00 00:00:00]]></wp:post_date_gmt>
    <wp:post_name><![CDATA[]]></wp:post_name>
    <wp:status><![CDATA[draft]]></wp:status>
    <wp:post_type><![CDATA[post]]></wp:post_type>
  </item>
  <item>
    <title>About</title>
    <link>https://wp.example.com/about/</link>
    <content:encoded><![CDATA[<p>About us.</p>]]></content:encoded>
    <wp:post_id>3</wp:post_id>
    <wp:post_date_gmt><![CDATA[2018-01-01 00:00:00]]></wp:post_date_gmt>
    <wp:post_name><![CDATA[about]]></wp:post_name>
    <wp:status><![CDATA[publish]]></wp:status>
    <wp:post_type><![CDATA[page]]></wp:post_type>
  </item>
  <item>
    <title>Binned</title>
    <link>https://wp.example.com/2017/binned/</link>
    <content:encoded><![CDATA[<p>Old.</p>]]></content:encoded>
    <wp:post_id>4</wp:post_id>
    <wp:post_date_gmt><![CDATA[2017-01-01 00:00:00]]></wp:post_date_gmt>
    <wp:post_name><![CDATA[binned__trashed]]></wp:post_name>
    <wp:status><![CDATA[trash]]></wp:status>
    <wp:post_type><![CDATA[post]]></wp:post_type>
    <wp:postmeta><wp:meta_key>_wp_trash_meta_status</wp:meta_key>
      <wp:meta_value><![CDATA[publish]]></wp:meta_value></wp:postmeta>
    <wp:postmeta><wp:meta_key>_wp_desired_post_slug</wp:meta_key>
      <wp:meta_value><![CDATA[binned]]></wp:meta_value></wp:postmeta>
  </item>
  <item>
    <title>chart.png</title>
    <wp:post_id>9</wp:post_id>
    <wp:post_type><![CDATA[attachment]]></wp:post_type>
    <wp:status><![CDATA[inherit]]></wp:status>
    <wp:attachment_url>https://wp.example.com/wp-content/uploads/2019/02/chart.png</wp:attachment_url>
  </item>
  <item>
    <title>Home</title>
    <wp:post_id>10</wp:post_id>
    <wp:post_type><![CDATA[nav_menu_item]]></wp:post_type>
    <wp:status><![CDATA[publish]]></wp:status>
  </item>
</channel>
</rss>
"""


def test_wordpress_export_every_field_old_url_and_report(app, run_import, tmp_path):
    site = write(tmp_path / "wp", {"export.xml": WXR,
                                    "wp-content/uploads/2019/02/chart.png": PNG})
    with app.app_context():
        db.session.add(User(username="ada", display_name="Ada", password_hash="x"))
        db.session.commit()
    report, posts = run_import(site / "export.xml")
    assert report.source_format == "wordpress"
    hello = posts["hello-world"]
    assert hello.title == "Hello & welcome" and hello.status == "published"
    assert hello.published_at == datetime(2019, 2, 3, 10)
    assert hello.updated_at == datetime(2019, 3, 1, 8)
    assert hello.summary == "The excerpt." and hello.featured
    assert hello.topic.name == "News" and [t.name for t in hello.tags] == ["C++"]
    assert [u.username for u in hello.authors] == ["ada"]
    # Its permalink, and /?p=ID, which WordPress answers whatever the permalink setting.
    assert aliases(hello) == ["/2019/02/03/hello-world/", "/?p=1"]
    body = hello.body
    assert "First **bold** words with [a link](https://example.org)." in body
    assert "## Section" in body and "- one\n- two" in body
    assert "![Chart](/uploads/" in body  # the local copy became an upload
    assert "https://wp.example.com/wp-content/uploads/2019/02/gone.png" in body
    assert "A captioned thing" in body and "[caption" not in body
    assert "<!-- pressmark import: this WordPress shortcode was not converted" in body
    line = report.line_for("export.xml#post-1")
    assert line.detail == "/posts/hello-world (old URLs: /2019/02/03/hello-world/, /?p=1)"
    assert ("1 image(s) left at the old address (no copy beside the export, and downloads "
            "are off): https://wp.example.com/wp-content/uploads/2019/02/gone.png" in line.notes)
    assert "1 comment(s) not imported: pressmark has no comments" in line.notes

    draft = posts["privet-mir"]  # no slug yet: transliterated from the title
    assert draft.status == "draft" and draft.published_at is None and aliases(draft) == []
    assert "<p>Plain paragraph one.</p>\n<p>Paragraph two<br/>" in draft.body
    assert '<td colspan="2">merged</td>' in draft.body
    assert any("kept as HTML" in n for n in report.line_for("export.xml#post-2").notes)

    about = posts["about"]
    assert about.is_page and aliases(about) == ["/?page_id=3", "/about/"]
    binned = posts["binned"]
    assert binned.status == "trashed" and binned.status_before_trash == "published"
    assert report.line_for("export.xml#attachment-9").outcome == "skipped"
    assert "nav_menu_item" in report.line_for("export.xml#nav_menu_item-10").detail
    assert len(report.lines) == 6 and not report.failed


def test_an_export_with_entity_tricks_is_refused(run_import, tmp_path):
    bomb = ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
            '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel>&b;</channel></rss>')
    path = write(tmp_path / "x", {"bomb.xml": bomb}) / "bomb.xml"
    report, posts = run_import(path, "wordpress")
    assert report.failed and posts == {}
