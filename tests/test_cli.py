"""The CLI: every command has help with an example and is documented in README.md."""
from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from adtools import __version__
from adtools.cli import main


def all_commands(group: click.Group, prefix: str = ""):
    for name, cmd in sorted(group.commands.items()):
        full = f"{prefix}{name}"
        yield full, cmd
        if isinstance(cmd, click.Group):
            yield from all_commands(cmd, full + " ")


COMMANDS = list(all_commands(main))


def test_there_are_commands():
    names = [n for n, _ in COMMANDS]
    assert "init" in names and "demo" in names


@pytest.mark.parametrize("name, cmd", COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_command_has_help_with_an_example(name, cmd):
    result = CliRunner().invoke(main, [*name.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert cmd.help and len(cmd.help.strip()) > 20, f"`adtools {name}` needs a help text"
    assert "Example:" in cmd.help, f"`adtools {name}` help needs an 'Example:' line"


@pytest.mark.parametrize("name, cmd", COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_command_is_in_the_readme(repo, name, cmd):
    readme = (repo / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"adtools(\s+--config\s+\S+)?\s+{re.escape(name)}\b", readme), f"README.md does not show `adtools {name}`"


def test_main_help_lists_commands():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in main.commands:
        assert name in result.output


def test_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


@pytest.mark.parametrize(
    "text, key",
    [("[fees]\ntax_rate = \"high\"\n", "[fees] tax_rate"), ("[fees]\nvat = 0.06\n", "[fees] vat")],
)
def test_bad_config_refused_naming_the_key(tmp_path, text, key):
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(bad), "demo", str(tmp_path / "demo")])
    assert result.exit_code == 1
    assert key in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "demo").exists(), "a bad config must be refused before anything is written"


def test_init_creates_workspace(tmp_path):
    result = CliRunner().invoke(main, ["init", str(tmp_path / "ws")])
    assert result.exit_code == 0, result.output
    ws = tmp_path / "ws"
    assert (ws / "config.toml").is_file() and (ws / "inbox").is_dir() and (ws / "var" / "outbox").is_dir()
    # an edited config survives a second init
    (ws / "config.toml").write_text("[fees]\ntax_rate = 0.13\n", encoding="utf-8")
    assert CliRunner().invoke(main, ["init", str(ws)]).exit_code == 0
    assert "0.13" in (ws / "config.toml").read_text(encoding="utf-8")


def test_command_without_config_explains(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ADTOOLS_CONFIG", raising=False)
    from adtools.cli._common import AppContext
    from adtools.errors import ConfigError

    with pytest.raises(ConfigError, match="adtools init"):
        AppContext().config


def test_templates_build_in_a_workspace_refreshes_the_templates_init_made(tmp_path, monkeypatch):
    """After editing a workspace's config, `adtools templates build` run there rebuilds the same files."""
    ws = tmp_path / "ws"
    assert CliRunner().invoke(main, ["init", str(ws)]).exit_code == 0
    made = sorted(p.relative_to(ws) for p in ws.rglob("*.xlsx"))
    assert len(made) == 14
    monkeypatch.chdir(ws)
    result = CliRunner().invoke(main, ["templates", "build"])
    assert result.exit_code == 0, result.output
    assert sorted(p.relative_to(ws) for p in ws.rglob("*.xlsx")) == made
