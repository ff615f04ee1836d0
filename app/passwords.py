"""Password rules, after NIST SP 800-63B (5.1.1.2, memorized secrets): the one place that
decides whether a password can be set, for the command line and the editor's account forms.

- at least ``PASSWORD_MIN_LENGTH`` characters (10 by default) and at most 1,024;
- not one of the 100,000 most common passwords (``data/common-passwords.txt.gz``, a list
  shipped with the package; see ``data/COMMON-PASSWORDS.md`` for its source and licence),
  compared without regard to case;
- not containing the account's user name or the site's name (with case and spaces ignored);
- no composition rules (no "one digit, one symbol"): any characters, spaces included.
"""

from __future__ import annotations

import functools
import gzip
import re
from importlib import resources

MAX_LENGTH = 1024
LIST_FILE = "common-passwords.txt.gz"
# Names shorter than this are too common in passwords to forbid (an "al" in "always").
MIN_NAME_LENGTH = 3


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list, lower-cased; read once per process."""
    data = resources.files("pressmark").joinpath("data", LIST_FILE).read_bytes()
    return frozenset(gzip.decompress(data).decode("utf-8").lower().split("\n")) - {""}


def _squashed(text: str) -> str:
    """Lower case without spaces or punctuation: "Engineering Tokens" -> "engineeringtokens"."""
    return re.sub(r"[\W_]+", "", text.casefold())


def password_problem(password: str, *, minimum: int = 10,
                     names: tuple[str, ...] = ()) -> str | None:
    """Why ``password`` cannot be set, or None.

    ``names`` are the user name and the site's name: a password containing one of them (of
    at least three letters or digits) is refused. The messages say what to do instead.
    """
    if len(password) < minimum:
        return f"The password must be at least {minimum} characters long."
    if len(password) > MAX_LENGTH:
        return f"The password must be at most {MAX_LENGTH} characters long."
    if password.lower() in common_passwords():
        return ("This password is one of the 100,000 most common ones, which attackers try "
                "first: choose another (a few unrelated words make a good one).")
    squashed = _squashed(password)
    for name in names:
        if len(_squashed(name)) >= MIN_NAME_LENGTH and _squashed(name) in squashed:
            return (f"The password must not contain “{name}”, which attackers try first: "
                    "choose one without it.")
    return None
