"""`python -m adtools` and the `adtools` command: Ctrl-C at any moment, even while the program loads, ends with one line.

It imports nothing but `sys` before its `try`, so an interrupt during the imports of
the CLI is caught too; the CLI itself (`adtools.cli.main`) handles one that comes later.
"""
from __future__ import annotations

import sys

__all__ = ["main", "INTERRUPTED"]

INTERRUPTED = "已中断（Ctrl-C），未完成的工作下次再做 / Interrupted (Ctrl-C); what was not finished is done next time."


def main() -> None:
    """Run the `adtools` click group; exit 130 after one bilingual line when interrupted."""
    try:
        from .cli import main as cli

        cli()
    except KeyboardInterrupt:
        sys.stderr.write(f"\n{INTERRUPTED}\n")
        sys.exit(130)


if __name__ == "__main__":
    main()
