"""The `adtools` command: a thin layer that parses, calls one library function and presents.

Each area registers its commands from its own module (cli/forms.py, cli/ledger.py, ...).
"""
from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

from ..errors import AdtoolsError
from ._common import AppContext, fail
from ._words import VERSION_OPTION_HELP, Context, exit_for
from .export import export_command
from .forms import validate_command
from .ledger import ingest_command, ledger_group
from .mail import mail_group
from .quote import quote_group
from .report import report_group
from .run import jobs_group, run_command, scheduler_command
from .setup import demo_command, init_command
from .templates import templates_group

__all__ = ["main"]


class _Group(click.Group):
    """Turns library errors into clean messages (exit 1) instead of tracebacks; click's own errors and
    Ctrl-C are said in Chinese and English (cli._words), never as a traceback."""

    context_class = Context

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except AdtoolsError as exc:
            fail(str(exc))

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # noqa: ANN001, ANN201
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except (click.ClickException, click.exceptions.Abort, KeyboardInterrupt) as exc:
            sys.exit(exit_for(exc))
        sys.exit(rv if isinstance(rv, int) else 0)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        _use_context(cmd)
        super().add_command(cmd, name)


def _use_context(cmd: click.Command) -> None:
    """Every command below `adtools` gets the bilingual context (help headings in both languages)."""
    cmd.context_class = Context
    for sub in getattr(cmd, "commands", {}).values():
        _use_context(sub)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="config.toml to use (default: ./config.toml, else $ADTOOLS_CONFIG).",
)
@click.option(
    "--now",
    "now",
    metavar="DATETIME",
    help="The moment this run takes as now, e.g. 2026-11-30T09:00 (a date alone is 00:00; no offset: the "
    "configured time zone). Default: $ADTOOLS_NOW, else the clock. Reports and jobs cover the periods of that moment.",
)
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
@click.version_option(None, "--version", package_name="adtools", prog_name="adtools", help=VERSION_OPTION_HELP)
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, now: str | None, verbose: int) -> None:
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
    if now is not None:
        from datetime import timezone

        from ..clock import ENV_NOW, parse_moment

        try:
            parse_moment(now, timezone.utc, what="--now")  # refuse a bad moment before anything runs
        except AdtoolsError as exc:
            raise click.BadParameter(str(exc), param_hint="--now") from None
        os.environ[ENV_NOW] = now  # the clock reads it (in the configured time zone), here and in any child
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
main.add_command(jobs_group)
main.add_command(scheduler_command)
main.add_command(export_command)
