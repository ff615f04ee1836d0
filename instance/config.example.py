# Copy to instance/config.py (pressmark serve creates one for you) and adjust.
# Every setting can also come from an environment variable prefixed PRESSMARK_,
# e.g. PRESSMARK_SITE_URL=https://blog.example.com (JSON values are parsed).

SECRET_KEY = "replace-with-the-output-of: python -c 'import secrets; print(secrets.token_hex(32))'"
SITE_TITLE = "Engineering Tokens"
SITE_URL = "https://blog.example.com"  # used for absolute URLs in feeds and sitemaps
SITE_AUTHOR = "Your Name"

# PostgreSQL instead of the embedded SQLite database (pip install "pressmark[postgres]"):
# SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://pressmark:secret@localhost/pressmark"

# Behind a reverse proxy that sets X-Forwarded-For/-Proto/-Host (docs/security.md):
# PROXY_COUNT = 1
# PROXY_ADDRESS = "127.0.0.1"  # the address the proxy connects from (not needed with
#                              # `pressmark serve --unix-socket PATH`)

# Plain-HTTP development only; keep cookies Secure in production:
# SESSION_COOKIE_SECURE = False
# REMEMBER_COOKIE_SECURE = False

# Disable plugins by name (see `pressmark plugins`):
# DISABLED_PLUGINS = ["search"]
