"""`adtools init` and `adtools demo`."""
from __future__ import annotations

from pathlib import Path

import click

from ._common import emit_json, err_console, out_console

__all__ = ["init_command", "demo_command"]


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing config.toml with the documented default.")
def init_command(directory: Path, force: bool) -> None:
    """Create a working folder: config.toml, blank templates, empty watch folders.

    An existing config.toml is kept unless --force is given.

    Example: adtools init D:\\adtools   (then edit D:\\adtools\\config.toml)
    """
    from ..workspace import init_workspace

    ws = init_workspace(directory, overwrite_config=force)
    out_console.print(f"工作文件夹 Workspace: [bold]{ws.root.resolve()}[/]")
    for p in ws.created:
        out_console.print(f"  + {p}")
    for p in ws.templates:
        out_console.print(f"  模板 template: {p}")
    out_console.print(f"下一步 Next: edit {ws.root / 'config.toml'}, then `adtools --config {ws.root / 'config.toml'} ingest`")


@click.command("demo")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=Path("adtools-demo"))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@click.pass_obj
def demo_command(app, directory: Path, as_json: bool) -> None:
    """Build a demo workspace with realistic filled-in workbooks and run every job on it.

    Mail goes to the file outbox (.eml files), nothing leaves the machine.
    Running it again on the same folder re-runs the jobs; nothing is sent twice.
    With --config, that configuration (checked first) is used for the demo.

    Example: adtools demo ./adtools-demo
    """
    from rich.markup import escape

    from ..demo import run_demo

    result = run_demo(directory, config_path=app.config_path, progress=lambda msg: err_console.print(f"[dim]…[/] {msg}"))
    if as_json:
        emit_json(result.to_json())
        return
    out_console.print(f"[bold]adtools 演示 demo[/]: {result.root.resolve()}")
    for line in result.lines:
        out_console.print(f"[green]✔[/] [bold]{escape(line.step)}[/]")
        for label, value in (("读入 Read", line.read), ("产出 Produced", line.produced), ("位置 Where", line.where)):
            if value:
                out_console.print(f"    [dim]{label}:[/] {escape(value)}", soft_wrap=False)
