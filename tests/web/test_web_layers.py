"""``web/`` has layers and no cycles: ``urls`` at the bottom imports no other web module but
``page_key``, which imports none,
and no chain of imports (function-level ones included) leads a web module back to itself."""

from __future__ import annotations

from tests.test_layout import ROOT, imports, module_name

WEB = ROOT / "app" / "web"


def web_graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in WEB.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = set()
        for _, target in imports(path):
            # "from package import name": the name may be a module or an attribute.
            for candidate in (target, target.rpartition(".")[0]):
                if candidate in modules and candidate != name:
                    found.add(candidate)
                    break
        graph[name] = found
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_urls_is_the_bottom_of_web():
    graph = web_graph()
    # page_key (the Host and query a page is cached and named under) imports no web module.
    assert graph["pressmark.web.page_key"] == set()
    assert graph["pressmark.web.urls"] <= {"pressmark.web.page_key"}


def test_web_has_no_import_cycles():
    graph = web_graph()
    # A package's __init__ is imported with each of its modules; that is not a cycle.
    for name, targets in graph.items():
        graph[name] = {t for t in targets if not name.startswith(t + ".")}
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_the_cycle_finder_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
