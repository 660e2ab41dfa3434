"""The house's rules, read from the imports: data flows one way (forms → ledger → calculators → reports → mail).

Composition (tasks, the demo, cli/, jobs/) sits on top and nothing below it
imports it.  Every import of every module under adtools/ and jobs/ is checked,
lazy ones inside functions included.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# the parts, by module prefix; a module in none of them (config, errors, money, clock, registry,
# calendar's neighbours …) is the base, which may be imported by all
PARTS = {
    "face": ("adtools.cli", "adtools.tasks", "adtools.scheduler", "adtools.demo", "adtools.workspace", "adtools.__main__", "jobs"),
    "forms": ("adtools.forms",),
    "ledger": ("adtools.ledger",),
    "calc": ("adtools.calendar", "adtools.workflow", "adtools.fees", "adtools.reconcile", "adtools.monitoring",
             "adtools.rights"),
    "reports": ("adtools.reports",),
    "mail": ("adtools.mail",),
}
# which part may import which (besides itself and the base)
ALLOWED = {
    "forms": set(),
    "ledger": {"forms"},
    "calc": {"forms"},  # the catalog's labels and choices; never the ledger
    "reports": {"forms", "ledger", "calc"},
    "mail": {"ledger"},  # the outbox lives in the ledger database
    "face": {"forms", "ledger", "calc", "reports", "mail"},
}
BASE_MUST_NOT = {"face", "forms", "ledger", "calc", "reports", "mail"}  # the base imports no part


def part_of(module: str) -> str | None:
    for part, prefixes in PARTS.items():
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return part
    return None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports(text: str, module: str, is_package: bool):
    tree = ast.parse(text)
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield target, node.lineno
            for alias in node.names:  # `from . import mail` imports a module
                yield f"{target}.{alias.name}", node.lineno


def arrows_against_the_path(files, text_of=lambda path: path.read_text(encoding="utf-8")) -> list[str]:
    bad = []
    for path in files:
        module = module_name(path)
        src = part_of(module)
        for target, line in imports(text_of(path), module, path.name == "__init__.py"):
            if not (target == "adtools" or target.startswith("adtools.") or target == "jobs" or target.startswith("jobs.")):
                continue
            dst = part_of(target)
            if dst is None or dst == src:
                continue
            allowed = ALLOWED[src] if src else set()
            if src is None and dst in BASE_MUST_NOT or src is not None and dst not in allowed:
                bad.append(f"{path.relative_to(REPO)}:{line}: {src or 'base'} -> {dst} ({target})")
    return sorted(set(bad))


def _sources():
    return sorted((REPO / "adtools").rglob("*.py")) + sorted((REPO / "jobs").rglob("*.py"))


def test_no_import_runs_against_the_path():
    bad = arrows_against_the_path(_sources())
    assert bad == [], "imports against forms → ledger → calculators → reports → mail:\n" + "\n".join(bad)


def test_the_check_finds_an_arrow_against_the_path():
    """The walker is not blind: a ledger module that queues mail, prices, or calls a task (lazily) is caught."""
    probe = REPO / "adtools" / "ledger" / "_house_probe.py"  # never written: its text is given
    text = "from ..mail import queue\nfrom adtools.fees import price_quote\n\ndef f():\n    from ..tasks import run_task\n"
    bad = arrows_against_the_path([probe], text_of=lambda path: text)
    assert bad == [
        "adtools/ledger/_house_probe.py:1: ledger -> mail (adtools.mail)",
        "adtools/ledger/_house_probe.py:1: ledger -> mail (adtools.mail.queue)",
        "adtools/ledger/_house_probe.py:2: ledger -> calc (adtools.fees)",
        "adtools/ledger/_house_probe.py:2: ledger -> calc (adtools.fees.price_quote)",
        "adtools/ledger/_house_probe.py:5: ledger -> face (adtools.tasks)",
        "adtools/ledger/_house_probe.py:5: ledger -> face (adtools.tasks.run_task)",
    ]


@pytest.mark.parametrize("module", ["adtools.mail", "adtools.ledger.store", "adtools.forms.catalog"])
def test_the_outbox_tables_exist_whatever_was_imported_first(tmp_path, module):
    """A fresh process that opens the ledger without ever importing adtools.mail still gets the outbox tables."""
    import subprocess
    import sys

    code = (
        f"import importlib, sys; importlib.import_module({module!r})\n"
        "from adtools.ledger.db import open_engine, migrate\n"
        "from sqlalchemy import inspect\n"
        f"e = open_engine('sqlite:///' + {str(tmp_path / 'l.sqlite')!r}); migrate(e)\n"
        "print(sorted(inspect(e).get_table_names()))\n"
        "print('adtools.mail' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True).stdout
    tables, mail_loaded = out.splitlines()
    assert "mail_messages" in tables and "job_runs" in tables and "documents" in tables
    assert mail_loaded == str(module == "adtools.mail")
