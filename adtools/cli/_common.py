"""Shared pieces of the CLI: lazy config, JSON output, stderr console and progress."""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from ..config import Config, find_config_path, load_config
from ..errors import ConfigError

__all__ = ["AppContext", "emit_json", "err_console", "out_console", "fail"]

err_console = Console(stderr=True, highlight=False)
out_console = Console(highlight=False)


@dataclass
class AppContext:
    """What every command gets: the --config option and the Config, loaded on first use."""

    config_path: Path | None = None
    _config: Config | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
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


def fail(message: str, code: int = 1) -> None:
    """A clean error for people: message on stderr, non-zero exit, no traceback."""
    err_console.print(f"[bold red]错误 Error:[/] {escape(message)}", soft_wrap=True)
    raise SystemExit(code)

