"""The `adtools` command: a thin layer that parses, calls one library function and presents.

Each area registers its commands from its own module (cli/forms.py, cli/ledger.py, ...).
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from .. import __version__
from ..errors import AdtoolsError
from ._common import AppContext, fail
from .forms import validate_command
from .ledger import ingest_command, ledger_group
from .mail import mail_group
from .quote import quote_group
from .report import report_group
from .run import run_command
from .setup import demo_command, init_command
from .templates import templates_group

__all__ = ["main"]


class _Group(click.Group):
    """Turns library errors into clean messages (exit 1) instead of tracebacks."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except AdtoolsError as exc:
            fail(str(exc))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="config.toml to use (default: ./config.toml, else $ADTOOLS_CONFIG).",
)
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
@click.version_option(__version__, "--version", prog_name="adtools")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, verbose: int) -> None:
    """adtools: 客户服务工具 / the account-service toolkit of the agency.

    Reads the filled-in workbooks (表格) staff keep on the shared drive, checks them,
    keeps a ledger, computes deadlines and fees, writes reports and mails them.

    Example: adtools demo
    """
    logging.basicConfig(
        level=logging.WARNING - 10 * min(verbose, 2),
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    ctx.obj = AppContext(config_path=config_path)


main.add_command(init_command)
main.add_command(demo_command)
main.add_command(templates_group)
main.add_command(ingest_command)
main.add_command(ledger_group)
main.add_command(validate_command)
main.add_command(report_group)
main.add_command(quote_group)
main.add_command(mail_group)
main.add_command(run_command)
