"""`adtools mail …`: flush the outbox, list it, retry failed mail, test the connection (thin over adtools.mail)."""
from __future__ import annotations

from typing import Any

import click

from ._common import LazyChoice, emit_json

__all__ = ["mail_group"]


def _config(ctx: click.Context) -> Any:
    return ctx.obj.config  # library errors become the CLI's usual "错误 Error:" message (cli.main)


@click.group("mail")
def mail_group() -> None:
    """发送邮件 / Mail: the outbox of reports and their delivery.

    Example: adtools mail list --state failed
    """


@mail_group.command("flush")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
@click.pass_context
def flush_command(ctx: click.Context, as_json: bool) -> None:
    """发送待发邮件 / Send every due message in the outbox through the configured transport.

    Exits with status 1 when a message failed or the flush had to stop.

    Example: adtools mail flush --json
    """
    from ..mail import flush, open_outbox

    config = _config(ctx)
    result = flush(config, open_outbox(config))
    if as_json:
        emit_json(result.to_dict())
    else:
        for o in result.outcomes:
            again = f"  (下次重试 next try {o.next_attempt_at:%Y-%m-%d %H:%M})" if o.next_attempt_at else ""
            click.echo(f"#{o.id} {o.outcome:<9} {o.subject}{again}")
            if o.error:
                click.echo(f"    {o.error}", err=True)
        click.echo(
            f"已发送 sent {len(result.sent)}, 已恢复 recovered {len(result.recovered)}, "
            f"重试 retrying {len(result.retrying)}, 失败 failed {len(result.failed)} ({result.transport})"
        )
        if result.error:
            click.echo(f"中止 stopped: {result.error}", err=True)
    if not result.ok:
        ctx.exit(1)


@mail_group.command("list")
@click.option("--state", type=LazyChoice("adtools.mail.outbox:STATES"), help="Only messages in this state.")
@click.option("--limit", type=click.IntRange(1, None), default=50, show_default=True, help="Newest messages shown.")
@click.option("--json", "as_json", is_flag=True, help="Print the messages as JSON on stdout.")
@click.pass_context
def list_command(ctx: click.Context, state: str | None, limit: int, as_json: bool) -> None:
    """列出发件箱 / List the outbox, newest first: state, attempts, last error.

    Example: adtools mail list --state failed
    """
    from ..mail import list_messages, open_outbox

    config = _config(ctx)
    entries = list_messages(config, open_outbox(config), state=state, limit=limit)
    if as_json:
        emit_json([e.to_dict() for e in entries])
        return
    if not entries:
        click.echo("发件箱为空 / The outbox is empty" + (f" (state {state})" if state else "") + ".")
    for e in entries:
        when = {"sent": e.sent_at, "queued": e.next_attempt_at}.get(e.state) or e.created_at
        click.echo(
            f"#{e.id} {e.state:<7} {e.attempts}/{config.mail.max_attempts} {when:%Y-%m-%d %H:%M} "
            f"{e.subject} -> {', '.join(e.recipients)}"
        )
        if e.last_error and e.state != "sent":
            click.echo(f"    {e.last_error}")


@mail_group.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the requeued ids as JSON on stdout.")
@click.pass_context
def retry_command(ctx: click.Context, ids: tuple[int, ...], as_json: bool) -> None:
    """重发失败邮件 / Put failed messages (all, or the given ids) back in the queue for the next flush.

    Example: adtools mail retry 12 13
    """
    from ..mail import open_outbox, requeue

    config = _config(ctx)
    done = requeue(config, open_outbox(config), ids or None)
    if as_json:
        emit_json({"requeued": done})
    else:
        click.echo(f"已重新排队 requeued: {', '.join(map(str, done)) or 'none'}")


@mail_group.command("test")
@click.option("--json", "as_json", is_flag=True, help="Print the server description as JSON on stdout.")
@click.pass_context
def test_command(ctx: click.Context, as_json: bool) -> None:
    """测试邮件连接 / Connect and log in with the configured transport, report the server version; sends nothing.

    Example: adtools mail test
    """
    from ..mail import test_connection

    config = _config(ctx)
    info = test_connection(config)
    if as_json:
        emit_json(info)
        return
    click.echo(f"连接成功 / Connected: {info['transport']} {info['server']}")
    if info.get("account"):
        click.echo(f"  账号 account: {info['account']}")
    if info.get("version"):
        click.echo(f"  版本 version: {info['version']}")
    if info.get("detail"):
        click.echo(f"  {info['detail']}")
