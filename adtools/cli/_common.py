"""Shared pieces of the CLI: lazy config, JSON output, stderr console and progress.

Light on purpose: `adtools --help` imports every command module, so nothing here or
at the top of a command module imports pandas, openpyxl, xlsxwriter, SQLAlchemy or
rich; a command imports what it needs when it runs (benchmarks/cli_help_bench.py).
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config

__all__ = ["AppContext", "emit_json", "err_console", "out_console", "fail"]

class _LazyConsole:
    """A rich Console made on first use (rich is imported only by a command that prints with it).

    Attributes set on it (a test's `width`) are kept as overrides of the console made, and
    deleting one restores the console's own value, as for an ordinary object.
    """

    def __init__(self, stderr: bool):
        self._stderr = stderr
        self._console: Any = None
        self._overrides: dict[str, Any] = {}

    def _get(self) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr, highlight=False)
            for name, value in self._overrides.items():
                setattr(self._console, name, value)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
            return
        self._overrides[name] = value
        setattr(self._get(), name, value)

    def __delattr__(self, name: str) -> None:
        if name not in self._overrides:
            raise AttributeError(name)
        del self._overrides[name]
        self._console = None  # made again, with the remaining overrides


err_console: Any = _LazyConsole(stderr=True)
out_console: Any = _LazyConsole(stderr=False)


@dataclass
class AppContext:
    """What every command gets: the --config option and the Config, loaded on first use."""

    config_path: Path | None = None
    _config: Config | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            from ..config import find_config_path, load_config

            path = find_config_path(self.config_path)
            if path is None:
                raise ConfigError(
                    "找不到配置文件 / No config.toml found here and ADTOOLS_CONFIG is not set. "
                    "Fix: run `adtools init DIR` and work in DIR, or pass --config PATH."
                )
            self._config = load_config(path)
        return self._config


def emit_json(data: Any) -> None:
    """The machine-readable result: one JSON document on stdout, nothing else."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    sys.stdout.write("\n")


def say_error(message: str) -> None:
    """One clean error line for people on stderr (`错误 Error: …`), the run going on."""
    from rich.markup import escape

    err_console.print(f"[bold red]错误 Error:[/] {escape(message)}", soft_wrap=True)


def fail(message: str, code: int = 1) -> None:
    """A clean error for people: message on stderr, non-zero exit, no traceback."""
    say_error(message)
    raise SystemExit(code)



class LazyChoice:
    """A click.Choice whose values are read from `module:NAME` when first needed (keeps --help light)."""

    def __new__(cls, path: str):
        import click

        class _Choice(click.Choice):
            def __init__(self) -> None:
                self.case_sensitive = True
                self._values: tuple[str, ...] | None = None

            @property
            def choices(self):  # noqa: ANN201
                if self._values is None:
                    import importlib

                    module, _, name = path.partition(":")
                    self._values = tuple(getattr(importlib.import_module(module), name))
                return self._values

        return _Choice()
