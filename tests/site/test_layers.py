"""The layers of docs/architecture.md, checked on the source: who may import whom, and no
import circles among the site's modules (an import inside a function counts too)."""
import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _module_name(path):
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for top in ("engine", "playground")
           for p in (REPO / top).rglob("*.py") if "migrations" not in p.parts}


def _imports(name):
    """Every module ``name`` imports (absolute names), wherever the import statement is."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([node.module] if node.module else []))
            for alias in node.names:  # a submodule, or a name the module defines
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in MODULES else base)
    return found


IMPORTS = {name: _imports(name) for name in MODULES}


def _under(name, *prefixes):
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _offenders(importers, *forbidden, allowed=()):
    return sorted((name, imported) for name in MODULES if _under(name, *importers)
                  for imported in IMPORTS[name]
                  if _under(imported, *forbidden) and not _under(imported, *allowed))


def test_the_engine_imports_nothing_of_the_site_or_django():
    assert _offenders(["engine"], "playground", "django", "channels", "celery") == []


def test_the_sandbox_imports_only_itself_the_event_vocabulary_and_the_engine():
    # Only these are mounted inside bubblewrap, and the sandbox reads no settings.
    assert _offenders(["playground.sandbox"], "playground", "django", "celery", "channels",
                      "redis", allowed=["playground.sandbox", "playground.events"]) == []


def test_the_event_vocabulary_and_the_policy_sit_below_the_executors_and_the_runs_app():
    assert _offenders(["playground.events"], "playground", "django") == []
    assert _offenders(["playground.policy"], "playground", "django", allowed=[
        "playground.sandbox", "playground.events", "django.conf", "django.core.signals"]) == []


def test_executors_reach_the_runs_app_only_through_their_ports():
    assert _offenders(["playground.executors"], "playground.runs", "playground.dashboard",
                      "playground.settings", "channels") == []
    # The embedded executor works without Django (scripts, the sandbox tests).
    assert _offenders(["playground.executors.local", "playground.executors.base"],
                      "django", "celery", "redis") == []
    assert _offenders(["playground.executors"], "django", allowed=[
        "django.conf", "django.db"]) == []


def test_the_celery_app_imports_nothing_of_the_site():
    # It names its task module (celery_tasks) for worker processes to load; it imports none.
    assert _offenders(["playground.celery"], "playground") == []


def test_the_runs_app_does_not_reach_up_into_the_dashboard():
    assert _offenders(["playground.runs"], "playground.dashboard") == []


def test_notebooks_sit_on_top_of_the_runs_app_and_nothing_below_reaches_them():
    assert _offenders(["playground.runs", "playground.dashboard", "playground.executors",
                       "playground.sandbox", "playground.policy", "playground.events"],
                      "playground.notebooks") == []
    assert _offenders(["playground.notebooks"], "playground.dashboard") == []


def test_there_is_no_import_circle_among_the_site_modules():
    site = {n for n in MODULES if _under(n, "playground")}
    graph = {}
    for name in site:  # importing a.b.c runs a/__init__ and a/b/__init__ first
        parts = {".".join(i.split(".")[:k]) for i in IMPORTS[name]
                 for k in range(1, i.count(".") + 2)}
        # A module's own packages are already running when it is imported: no circle.
        graph[name] = {i for i in parts if i in site and not _under(name, i)}
    circles, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                circles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for name in sorted(site):
        if name not in state:
            visit(name, [name])
    assert circles == []


@pytest.mark.parametrize("module", ["playground.executors.local", "playground.sandbox.slot",
                                    "playground.policy"])
def test_the_embedded_layers_load_without_the_runs_app_or_a_database(module):
    code = (f"import sys, {module}\n"
            "print(sorted(m for m in sys.modules if m.startswith(('playground.runs', "
            "'playground.dashboard', 'django.db', 'django.apps', 'celery', 'redis'))))")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
