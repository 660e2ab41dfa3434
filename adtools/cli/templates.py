"""`adtools templates build`: the blank form templates staff copy and fill in."""
from __future__ import annotations

from pathlib import Path

import click

from ._common import AppContext, out_console

__all__ = ["templates_group"]


@click.group("templates")
def templates_group() -> None:
    """Blank Excel templates of the standard forms (模板).

    Example: adtools templates build --out workbooks/templates
    """


@click.command("build")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("workbooks", "templates"),  # forms.template.TEMPLATES_DIR (tests/test_cli.py checks they agree)
    show_default=True,
    help="Folder to write <form_id>.xlsx into, relative to the current folder; created if missing.",
)
@click.pass_obj
def build_command(app: AppContext, out_dir: Path) -> None:
    """Write one template per form, <form_id>.xlsx, built from config.toml.

    Dropdown lists (deliverables, rate categories, ...) and the agency and client
    names come from the config; building again with the same config gives the
    same bytes. Existing templates in the folder are replaced.

    Example: adtools --config config.toml templates build --out workbooks/templates
    """
    from ..forms.template import build_templates

    paths = build_templates(app.config, out_dir)
    out_console.print(f"模板 Templates: {len(paths)} → [bold]{out_dir.resolve()}[/]")
    for p in paths:
        out_console.print(f"  {p.name}")


templates_group.add_command(build_command)
