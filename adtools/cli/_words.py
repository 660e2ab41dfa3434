"""Click's own messages in Chinese and English: usage errors, bad values, Ctrl-C, and the help's headings.

Click words its errors in English (`Missing option '--month'.`, `Path 'x' does not
exist.`, `Aborted!`).  `bilingual(text)` puts the Chinese before each sentence it
knows; a text that already holds Chinese (our own messages) is left as it is.
`show_usage_error` and `interrupted` are what the `adtools` group prints instead of
click's defaults; `HelpFormatter` gives `--help` bilingual headings.
"""
from __future__ import annotations

import re
import click

__all__ = ["Context", "bilingual", "show_usage_error", "show_click_error", "interrupted", "aborted", "exit_for", "HelpFormatter",
           "HELP_OPTION_HELP", "VERSION_OPTION_HELP"]

HELP_OPTION_HELP = "显示本说明后退出 / Show this message and exit."
VERSION_OPTION_HELP = "显示版本后退出 / Show the version and exit."

_CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")

# (pattern of click's English, the Chinese); groups are put into the Chinese as {0}, {1}, …
# A group named `inner` is itself translated (the reason inside "Invalid value for …: reason").
_SENTENCES: tuple[tuple[str, str], ...] = (
    (r"Missing option '?(?P<a>[^'.]+)'?\.?", "缺少选项 {a}"),
    (r"Missing argument '?(?P<a>[^'.]+)'?\.?", "缺少参数 {a}"),
    (r"Missing parameter:? ?'?(?P<a>[^'.]*)'?\.?", "缺少参数 {a}"),
    (r"Missing command\.", "缺少命令"),
    (r"No such option:? '?(?P<a>[^'\s]+?)'?\.?", "没有选项 {a}"),
    (r"No such command '(?P<a>[^']+)'\.", "没有命令 {a}"),
    (r"\(?Did you mean (?:one of: )?(?P<a>.+?)\?\)?", "您是不是要用 {a}？"),
    (r"\(Possible options: (?P<a>.+)\)", "可用的选项：{a}"),
    (r"Got unexpected extra arguments? \((?P<a>.+)\)", "多余的参数：{a}"),
    (r"Option '(?P<a>[^']+)' requires (?:an argument|(?P<n>\d+) arguments)\.", "选项 {a} 后面要写一个值"),
    (r"Option '(?P<a>[^']+)' does not take a value\.", "选项 {a} 后面不能写值"),
    (r"Invalid value for (?P<a>'[^']+'|[^:]+): (?P<inner>.+)", "{a} 的值无效：{inner}"),
    (r"Invalid value: (?P<inner>.+)", "值无效：{inner}"),
    (r"(?:File|Directory|Path) '(?P<a>.+)' does not exist\.", "找不到 {a}（文件或文件夹不存在）"),
    (r"(?:File|Directory|Path) '(?P<a>.+)' is a directory\.", "{a} 是文件夹，这里要的是文件"),
    (r"(?:File|Directory|Path) '(?P<a>.+)' is a file\.", "{a} 是文件，这里要的是文件夹"),
    (r"(?:File|Directory|Path) '(?P<a>.+)' is not (?:readable|writable|executable)\.", "{a} 没有访问权限"),
    (r"Could not open file '(?P<a>.+)': (?P<b>.+)", "无法打开文件 {a}：{b}"),
    (r"'(?P<a>.*)' is not a valid (?:integer|float|integer range|float range)\.", "{a} 不是数字"),
    (r"'(?P<a>.*)' is not (?:one of )?(?P<b>'.+)\.", "{a} 不是可选的值（可选：{b}）"),
    (r"(?P<a>\S+) is not in the range (?P<b>.+)\.", "{a} 不在允许的范围 {b} 内"),
    (r"'(?P<a>.*)' is not a valid boolean\..*", "{a} 不是 是/否 值"),
    (r"'(?P<a>.*)' does not match the formats? (?P<b>.+)\.", "{a} 的格式不对（应为 {b}）"),
    (r"Takes (?P<a>\d+) values but (?P<b>\d+) (?:was|were) given\.", "需要 {a} 个值，却给了 {b} 个"),
)
_COMPILED = tuple((re.compile(p + r"$", re.S), zh) for p, zh in _SENTENCES)


def _zh(text: str) -> str | None:
    """The Chinese of one of click's sentences, or None when it is not one we know."""
    text = text.strip()
    for pattern, zh in _COMPILED:
        m = pattern.match(text)
        if m is None:
            continue
        parts = {k: (v or "") for k, v in m.groupdict().items()}
        if "inner" in parts:
            inner = parts["inner"]
            parts["inner"] = inner if _CJK.search(inner) else (_zh(inner) or inner)
        return zh.format(**parts)
    return None


def bilingual(message: str) -> str:
    """`中文 / English` for a message of click's; a message that holds Chinese already is returned as is."""
    message = message.strip()
    if _CJK.search(message):
        m = re.match(r"(Invalid value for (?:'[^']+'|[^:]+)): (.+)$", message, re.S)
        if m is not None:  # click's head on our own bilingual reason
            return f"{_zh_head(m.group(1))} / {m.group(1)}: {m.group(2)}"
        return message
    lines = [line for line in message.splitlines() if line.strip()]
    zh_lines = []
    for line in lines:
        zh = _zh(line)
        if zh is None:  # two sentences on one line ("No such option: --x Did you mean --y?")
            pieces = re.split(r"(?<=[.?])\s+(?=[A-Z(])|\s+(?=\(?Did you mean|\(Possible)", line)
            zh = "；".join(z for z in (_zh(p) for p in pieces) if z) if len(pieces) > 1 else ""
        zh_lines.append(zh or "命令行有误")
    return " ".join(f"{zh} / {en}" for zh, en in zip(zh_lines, lines))


def _zh_head(head: str) -> str:
    """`'--month' 的值无效` for the head `Invalid value for '--month'`."""
    m = re.match(r"Invalid value for (?P<a>'[^']+'|.+)$", head)
    return f"{m.group('a')} 的值无效" if m else "值无效"


def _usage_line(ctx: click.Context | None) -> list[str]:
    if ctx is None:
        return []
    usage = ctx.get_usage().strip()
    usage = re.sub(r"^(?:用法 )?Usage:\s*", "", usage)
    return [f"用法 Usage: {usage}", f"帮助 Help: {ctx.command_path} --help"]


def show_usage_error(exc: click.UsageError) -> None:
    """What `adtools` prints for a wrong command line: usage, where to get help, the error in both languages."""
    for line in _usage_line(exc.ctx):
        click.echo(line, err=True)
    click.echo(f"错误 Error: {bilingual(exc.format_message())}", err=True)


def show_click_error(exc: click.ClickException) -> None:
    """Any other of click's errors (a file it could not open), in both languages."""
    if isinstance(exc, click.UsageError):
        show_usage_error(exc)
    else:
        click.echo(f"错误 Error: {bilingual(exc.format_message())}", err=True)


def interrupted() -> None:
    """The one line Ctrl-C leaves: nothing half-done is kept by adtools' writes (they are atomic)."""
    from ..__main__ import INTERRUPTED

    click.echo(f"\n{INTERRUPTED}", err=True)


def aborted() -> None:
    click.echo("已取消 / Cancelled.", err=True)


class HelpFormatter(click.HelpFormatter):
    """`--help` with its headings in both languages (用法 Usage, 选项 Options, 命令 Commands)."""

    _HEADINGS = {"Options": "选项 Options", "Commands": "命令 Commands", "Arguments": "参数 Arguments",
                 "Positional arguments": "参数 Arguments"}

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix="用法 Usage: " if prefix is None else prefix)

    def section(self, name: str):  # noqa: ANN201
        return super().section(self._HEADINGS.get(name, name))

    def write_dl(self, rows, *args, **kwargs) -> None:  # noqa: ANN001
        """Click's own option texts (the help option's) in both languages."""
        own = {"Show this message and exit.": HELP_OPTION_HELP, "Show the version and exit.": VERSION_OPTION_HELP}
        super().write_dl([(term, own.get(text, text)) for term, text in rows], *args, **kwargs)


class Context(click.Context):
    """The context of every adtools command: bilingual help."""

    formatter_class = HelpFormatter


def _is_interrupt(exc: BaseException) -> bool:
    return isinstance(exc, KeyboardInterrupt) or isinstance(getattr(exc, "__cause__", None), KeyboardInterrupt) \
        or isinstance(getattr(exc, "__context__", None), KeyboardInterrupt)


def exit_for(exc: BaseException) -> int:
    """Print what an interrupted or refused command line says, and return its exit status."""
    if _is_interrupt(exc):
        interrupted()
        return 130
    if isinstance(exc, click.exceptions.Abort):
        aborted()
        return 1
    if isinstance(exc, click.ClickException):
        show_click_error(exc)
        return exc.exit_code
    raise exc  # pragma: no cover - only the kinds above are given
