"""`adtools init`: a working folder staff and the server can use straight away.

It holds config.toml (relative paths), the blank templates built from that config,
and the empty watch, report, outbox, feedback and archive folders.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from .config import Config, load_config
from .errors import FileError

__all__ = ["Workspace", "init_workspace", "default_config_text"]

log = logging.getLogger("adtools.workspace")


def default_config_text() -> str:
    """The documented default config.toml shipped with the package."""
    return resources.files("adtools").joinpath("data/config.toml").read_text(encoding="utf-8")


@dataclass
class Workspace:
    root: Path
    config: Config
    created: list[Path] = field(default_factory=list)
    templates: list[Path] = field(default_factory=list)


def init_workspace(root: Path, *, overwrite_config: bool = False, config_text: str | None = None) -> Workspace:
    """Create (or complete) a workspace; never overwrites an existing config.toml unless asked.

    `config_text` (an already validated config) replaces the documented default.
    """
    root = Path(root)
    try:
        root.mkdir(parents=True, exist_ok=True)
        cfg_path = root / "config.toml"
        created: list[Path] = []
        if overwrite_config or not cfg_path.exists():
            cfg_path.write_text(config_text or default_config_text(), encoding="utf-8")
            created.append(cfg_path)
        config = load_config(cfg_path)
        for folder in (*config.watch_dirs, config.reports_dir, config.outbox_dir, config.feedback_dir, config.archive_dir):
            if not folder.exists():
                folder.mkdir(parents=True, exist_ok=True)
                created.append(folder)
        if "://" not in config.paths.ledger:
            config.path(config.paths.ledger).parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FileError(f"无法创建工作文件夹 / Cannot create the workspace {root}: {exc}") from None
    ws = Workspace(root=root, config=config, created=created)
    _build_templates(ws)
    return ws


def _build_templates(ws: Workspace) -> None:
    """The templates where `adtools templates build`, run in the workspace, rebuilds them."""
    from .forms.template import TEMPLATES_DIR, build_templates

    ws.templates = list(build_templates(ws.config, ws.root / TEMPLATES_DIR))
