"""A scripted tour of the CLI's errors: every message a user meets is in Chinese and English, never a traceback.

Click's own errors (a missing option, a path that does not exist, a typo in a
command), our refusals (a bad month, an unknown form, no config) and Ctrl-C all end
in one or a few bilingual lines on stderr.  `--help` stays light (no heavy library).
"""
from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from adtools.cli import main
from tests._ledger_support import write_config_file

CJK = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{3}")


def _says_both(line: str) -> bool:
    return bool(CJK.search(line)) and bool(LATIN.search(line))


@pytest.fixture
def config_file(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ADTOOLS_CONFIG", raising=False)
    return write_config_file(tmp_path)


TOUR = [
    # (argv, what the error line must name); {cfg} is replaced by the config file's path
    (["report", "fees"], "缺少选项 --month"),
    (["report", "fees", "--month", "2026-1"], "--month 2026-01"),
    (["report", "fees", "--month", "2026-11", "--as-of", "2026-13-01"], "Not a date"),
    (["report", "fees", "--mnth", "2026-11"], "您是不是要用 '--month'"),
    (["reprot", "fees"], "没有命令 reprot"),
    (["validate", "nothere.xlsx"], "找不到 nothere.xlsx"),
    (["quote", "price"], "缺少参数 FILE"),
    (["run", "nope"], "nope 不是可选的值"),
    (["mail", "list", "--state", "lost"], "lost 不是可选的值"),
    (["ledger", "show", "timesheet", "--limit", "x"], "x 不是数字"),
    (["ledger", "show", "timesheet", "--limit", "0"], "0 不在允许的范围"),
    (["templates", "build", "--out"], "选项 --out 后面要写一个值"),
    (["jobs", "list", "extra"], "多余的参数：extra"),
    (["jobs", "extra"], "没有命令 extra"),
    (["--now", "yesterday", "jobs"], "--now"),
    (["--config", "{cfg}", "ledger", "show", "timesheets"], "timesheets"),
    (["--config", "{cfg}", "ledger", "history", "nobody|2026-11-02"], "nobody|2026-11-02"),
    (["--config", "{cfg}", "ledger", "show", "timesheet", "--as-of", "2026-1-1"], "YYYY-MM-DD"),
    (["--config", "missing.toml", "jobs"], "missing.toml"),
    (["ingest"], "config.toml"),  # no config here and no ADTOOLS_CONFIG
]


@pytest.mark.parametrize("argv, named", TOUR, ids=[" ".join(a) for a, _ in TOUR])
def test_every_error_is_bilingual_and_never_a_traceback(argv, named, config_file):
    if "{cfg}" in argv:
        argv = [str(config_file) if a == "{cfg}" else a for a in argv]
    if argv[0] == "ingest":
        config_file.unlink()
    result = CliRunner().invoke(main, argv)
    assert result.exit_code not in (0, None), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    text = result.stderr
    assert "Traceback" not in result.output and "Traceback" not in text
    errors = [line for line in text.splitlines() if line.startswith("错误 Error:")]
    assert len(errors) == 1, text
    assert _says_both(errors[0].removeprefix("错误 Error:")), errors[0]
    assert named in errors[0], errors[0]
    for line in text.splitlines():  # usage and help lines too: nothing English-only
        if line.strip() and not line.startswith(" "):
            assert CJK.search(line), f"English-only line: {line!r}"


def test_help_headings_and_click_s_own_option_texts_are_bilingual():
    out = CliRunner().invoke(main, ["report", "fees", "--help"], prog_name="adtools").output
    assert out.startswith("用法 Usage: adtools report fees [OPTIONS]")
    assert "选项 Options:" in out and "显示本说明后退出 / Show this message and exit." in out
    top = CliRunner().invoke(main, ["--help"]).output
    assert "命令 Commands:" in top and "显示版本后退出 / Show the version and exit." in top


def test_ctrl_c_inside_a_command_is_one_bilingual_line(config_file, monkeypatch):
    from adtools import tasks

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(tasks, "make_report", interrupted)
    result = CliRunner().invoke(main, ["--config", str(config_file), "report", "fees", "--month", "2026-11"])
    assert result.exit_code == 130
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == ["已中断（Ctrl-C），未完成的工作下次再做 / Interrupted (Ctrl-C); what was not finished is done next time."]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
def test_ctrl_c_sent_to_the_running_program_ends_with_one_line(tmp_path):
    """A real interrupt, while the demo runs: exit 130, one bilingual line, no traceback."""
    child = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\nsys.argv = ['adtools', 'demo', sys.argv[1]]\nfrom adtools.__main__ import main\n"
         "import adtools.demo as d\n"
         "def slow(*a, **k):\n    print('started', flush=True)\n    time.sleep(30)\n"
         "d.run_demo = slow\nmain()\n", str(tmp_path / "demo")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert child.stdout.readline().strip() == "started"
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=30)
    assert child.returncode == 130, err
    assert "Traceback" not in err
    assert [line for line in err.splitlines() if line.strip()] == [
        "已中断（Ctrl-C），未完成的工作下次再做 / Interrupted (Ctrl-C); what was not finished is done next time."]


def test_help_imports_no_heavy_library():
    """What benchmarks/cli_help_bench.py measures the time of: `--help` loads none of the heavy libraries."""
    probe = ("import sys\nfrom click.testing import CliRunner\nfrom adtools.cli import main\n"
             "assert CliRunner().invoke(main, ['--help']).exit_code == 0\n"
             "print(' '.join(m for m in ('pandas', 'openpyxl', 'xlsxwriter', 'sqlalchemy', 'rich', 'numpy') "
             "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == []


def test_templates_default_folder_is_the_library_s():
    from adtools.cli.templates import build_command
    from adtools.forms.template import TEMPLATES_DIR

    assert next(p for p in build_command.params if p.name == "out_dir").default == TEMPLATES_DIR


def test_ledger_show_speaks_words_not_keys(tmp_path, monkeypatch):
    from adtools import tasks
    from adtools.config import load_config
    from adtools.cli._common import out_console
    from tests._ledger_support import write_work_order

    monkeypatch.setattr(out_console, "width", 400)
    path = write_config_file(tmp_path)
    cfg = load_config(path)
    write_work_order(cfg, "account/工作单.xlsx")  # rush: False, order_type: new
    tasks.ingest(cfg)
    result = CliRunner().invoke(main, ["--config", str(path), "ledger", "show", "work_order"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "布置单编号" in out and "Order No." in out and "来源" in out and "account/工作单.xlsx" in out
    assert "否 No" in out and "creative_concept" not in out
    for internal in ("False", "True", "_file", "_row", "order_no", "creative_concept"):
        assert internal not in out, internal
    empty = CliRunner().invoke(main, ["--config", str(path), "ledger", "show", "timesheet", "--as-of", "2020-01-01"])
    assert empty.exit_code == 0 and "The ledger holds no Timesheet records as of 2020-01-01." in empty.stdout
