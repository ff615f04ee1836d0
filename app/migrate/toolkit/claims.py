"""Old addresses settled before anything is saved: each goes to exactly one item, and the
report says who else claimed it; redirect stubs become aliases of the post they lead to.

Two items may claim one old address (two posts whose slugs met after slugifying, a post
and another's ``redirect_from``, two WordPress items with the same link). The winner is
the item whose own address it was by the generator's rule (``Entry.own_url``) over one
that only lists it as an alias; between equals, the first in the source's order. Both
items' report lines name the other, the winner and why.

A redirect stub (Jekyll's ``redirect_to``, a ``layout: redirect`` page) is not a post:
its own addresses become aliases of the imported item it leads to, found by that item's
old addresses; a stub leading elsewhere is skipped with its target named.
"""

from __future__ import annotations

from pressmark.migrate.toolkit.entry import Entry
from pressmark.migrate.toolkit.permalinks import AliasError, normalise_alias


def _alias(raw: str) -> str | None:
    try:
        return normalise_alias(raw)
    except AliasError:
        return None  # reported with the item, when its aliases are made


def _own(entry: Entry) -> str | None:
    return _alias(entry.own_url) if entry.own_url else None


def settle(entries: list[Entry]) -> None:
    """Resolve redirect stubs, then give each old address to one item (in place)."""
    live = [e for e in entries if e.data is not None and not e.error and not e.skip]
    _resolve_stubs(live)
    live = [e for e in live if not e.skip]  # stubs gave their addresses away
    owners: dict[str, Entry] = {}
    for entry in live:
        for raw in entry.old_urls:
            alias = _alias(raw)
            if alias is None:
                continue
            first = owners.get(alias)
            if first is None or first is entry:
                owners[alias] = entry
                continue
            if _own(entry) == alias and _own(first) != alias:
                winner, loser, why = entry, first, "its own address on the old site"
            else:
                winner, loser = first, entry
                why = ("its own address on the old site" if _own(first) == alias
                       else "first in the source")
            owners[alias] = winner
            winner.notes.append(f"old URL {alias} is also claimed by {loser.name}: "
                                f"kept for this one ({why})")
            loser.notes.append(f"old URL {alias} is also claimed by {winner.name}: given to "
                               f"that one ({why})")
    for entry in live:
        entry.old_urls = [raw for raw in entry.old_urls
                          if (alias := _alias(raw)) is None or owners.get(alias) is entry]


def _resolve_stubs(live: list[Entry]) -> None:
    by_address: dict[str, Entry] = {}
    for entry in live:
        if entry.redirect_to is None:
            for raw in [*entry.old_urls, *([entry.own_url] if entry.own_url else [])]:
                alias = _alias(raw)
                if alias is not None:
                    by_address.setdefault(alias, entry)
                    by_address.setdefault(alias.rstrip("/") or "/", entry)
    for stub in live:
        if stub.redirect_to is None:
            continue
        target = _alias(stub.redirect_to)
        found = None if target is None else (
            by_address.get(target) or by_address.get(target.rstrip("/") or "/"))
        if found is None:
            stub.skip = (f"a redirect stub to {stub.redirect_to}, which is no imported post: "
                         "not kept (add it to your web server's redirects)")
            continue
        addresses = [u for u in [stub.own_url, *stub.old_urls] if u]
        found.old_urls += addresses
        found.notes.append(f"old URLs of the redirect stub {stub.name} lead here: "
                           + ", ".join(a for a in (_alias(u) for u in addresses) if a))
        stub.skip = f"a redirect stub: its old URLs now lead to {found.name}"
