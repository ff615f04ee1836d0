"""The lost-words check behind the editor's warning."""

from pressmark.content.wordcheck import describe_loss, lost_words


def test_the_swallowed_tail_of_a_post_is_reported():
    source = "Put CSS in a <style> element. Then the whole rest of the post follows here.\n"
    lost = lost_words(source, "<p>Put CSS in a </p>")
    assert lost[:3] == ("element", "then", "the")
    assert "9 different words" in describe_loss(lost) and "“element”" in describe_loss(lost)


def test_markup_itself_is_not_a_lost_word():
    source = (
        "## Sizes {#sizes}\n\nSee [the docs](https://example.com/guide) &amp; "
        "<kbd>Ctrl</kbd>.\n\n```python\nx = 1\n```\n\n{{< calc kv-cache >}}\n"
    )
    html = (
        '<h2 id="sizes">Sizes</h2><p>See <a href="https://example.com/guide">the docs</a> '
        '&amp; <kbd>Ctrl</kbd>.</p><pre><code>x = 1</code></pre><form class="calc"></form>'
    )
    assert lost_words(source, html) == ()


def test_one_odd_word_in_a_long_post_is_not_noticeable():
    source = " ".join(f"word{chr(97 + i % 26)}{chr(97 + i // 26)}" for i in range(100))
    html = source.replace("wordaa", "")
    assert lost_words(source + " wordaa", html) == ()
