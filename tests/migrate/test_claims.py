"""Two items claiming one old address are both named, with the winner and why; the dry
run names the very addresses the real run gives."""

from tests.migrate.conftest import aliases

POST = "---\ntitle: {title}\ndate: 2020-01-0{n}\n{extra}---\nBody {n}.\n"


def test_an_old_url_claimed_twice_goes_to_its_own_page_and_both_are_named(run_import, app):
    report, posts = run_import({
        "_config.yml": "permalink: /:year/:title/\n",
        # Listed first, but only as an alias: the other post's own address wins.
        "_posts/2020-01-01-early.md": POST.format(
            title="Early", n=1, extra="redirect_from: [/2020/late/, /shared/]\n"),
        "_posts/2020-01-02-late.md": POST.format(title="Late", n=2, extra=""),
        "_posts/2020-01-03-third.md": POST.format(title="Third", n=3,
                                                  extra="redirect_from: [/shared/]\n"),
    }, "jekyll")
    assert aliases(posts["late"]) == ["/2020/late/"]
    assert "/2020/late/" not in aliases(posts["early"])
    early = report.line_for("_posts/2020-01-01-early.md").notes
    late = report.line_for("_posts/2020-01-02-late.md").notes
    assert ("old URL /2020/late/ is also claimed by _posts/2020-01-02-late.md: given to "
            "that one (its own address on the old site)") in early
    assert ("old URL /2020/late/ is also claimed by _posts/2020-01-01-early.md: kept for "
            "this one (its own address on the old site)") in late
    # Between two aliases, the first in the source wins, and both say so.
    assert "/shared/" in aliases(posts["early"]) and "/shared/" not in aliases(posts["third"])
    assert ("old URL /shared/ is also claimed by _posts/2020-01-03-third.md: kept for this "
            "one (first in the source)") in early
    assert app.test_client().get("/shared/").headers["Location"] == "/posts/early"


def test_the_dry_run_names_the_addresses_of_the_real_run(run_import):
    files = {f"{folder}/january-update.md": POST.format(title=f"January {folder}", n=n,
                                                        extra="")
             for n, folder in enumerate(("a", "b", "c"), start=1)}
    dry, _ = run_import(files, "markdown", dry_run=True)
    real, posts = run_import(files, "markdown")
    assert [line.address for line in dry.lines] == [line.address for line in real.lines]
    assert [line.address for line in real.lines] == [
        "/posts/january-update", "/posts/january-update-2", "/posts/january-update-3"]
    assert len(posts) == 3
