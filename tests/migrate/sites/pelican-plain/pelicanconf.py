# A Pelican blog of plain Markdown files: most have no metadata header at all (the
# title is the first heading, the date is in the file name), a few have a
# Python-Markdown meta block between --- lines that is not valid YAML.
AUTHOR = "Sam"
SITENAME = "Plain Pelican"
SITEURL = ""
PATH = "content"
ARTICLE_PATHS = ["blog"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["images"]
ARTICLE_URL = "{slug}.html"
ARTICLE_SAVE_AS = "{slug}.html"
PAGE_URL = "pages/{slug}.html"
DEFAULT_LANG = "en"
