"""config.toml: defaults, every kind of bad value refused with file, key and fix."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from adtools.config import config_from_dict, find_config_path, load_config
from adtools.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "config.toml"
    p.write_text(text, encoding="utf-8")
    return p


def refused(tmp_path: Path, text: str) -> str:
    p = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(p)
    msg = str(info.value)
    assert str(p.resolve()) in msg, msg  # names the file
    return msg


def test_repo_config_loads_and_matches_packaged_default(repo):
    cfg = load_config(repo / "config.toml")
    assert cfg.fees.tax_rate == Decimal("0.06")
    assert cfg.film.base_height_cm == Decimal("29.7")
    assert len(cfg.people) == 6
    packaged = (repo / "adtools" / "data" / "config.toml").read_text(encoding="utf-8")
    assert packaged == (repo / "config.toml").read_text(encoding="utf-8"), "run: cp config.toml adtools/data/config.toml"


def test_repo_config_names_every_contract_key(repo):
    """Every key of CONFIG.md's example appears in the documented config.toml."""
    import tomllib

    shared = repo.parent / "shared" / "CONFIG.md"
    if not shared.exists():
        pytest.skip("../shared/CONFIG.md not beside the checkout")
    text = shared.read_text(encoding="utf-8")
    example = text.split("```toml", 1)[1].split("```", 1)[0]
    want = tomllib.loads(example)
    have = tomllib.loads((repo / "config.toml").read_text(encoding="utf-8"))

    def keys(d, prefix=""):
        for k, v in d.items():
            if isinstance(v, dict):
                yield from keys(v, f"{prefix}{k}.")
            else:
                yield f"{prefix}{k}"

    missing = set(keys(want)) - set(keys(have))
    assert missing == set(PENDING_CONTRACT_KEYS), "a key of CONFIG.md is missing, or a pending one has landed: update PENDING_CONTRACT_KEYS"


# Keys of CONFIG.md whose report or job has not landed yet: the config refuses a [schedule] or
# [mail.recipients] key that names no registered job or report, so they join config.toml with it.
PENDING_CONTRACT_KEYS = {
}


def test_placeholders_are_marked(repo):
    text = (repo / "config.toml").read_text(encoding="utf-8")
    for section in ("[turnaround]", "[rates]", "[film]", "[sla]"):
        line = next(l for l in text.splitlines() if l.startswith(section))
        assert "PLACEHOLDER" in line, section
    assert "tax_rate = 0.06" in text and "PLACEHOLDER" in next(l for l in text.splitlines() if l.startswith("tax_rate"))


def test_empty_config_gives_defaults(tmp_path):
    cfg = load_config(write(tmp_path, ""))
    assert cfg.turnaround["creative_concept"] == 7
    assert cfg.rates["print_creative"] == Decimal("800")
    assert cfg.mail.transport == "file"
    assert cfg.schedule["weekly_progress"].weekday == 0
    assert cfg.outbox_dir == tmp_path.resolve() / "var" / "outbox"
    assert cfg.ledger_url == "sqlite:///" + (tmp_path.resolve() / "var" / "ledger.sqlite").as_posix()


def test_partial_sections_keep_other_defaults(tmp_path):
    cfg = load_config(write(tmp_path, "[fees]\ntax_rate = 0.13\n[turnaround]\nartwork = 4\nnew_item = 9\n"))
    assert cfg.fees.tax_rate == Decimal("0.13") and cfg.fees.budget_warning == Decimal("0.9")
    assert cfg.turnaround["artwork"] == 4 and cfg.turnaround["film"] == 2 and cfg.turnaround["new_item"] == 9


@pytest.mark.parametrize(
    "text, key, words",
    [
        ("[fees]\ntax_rate = \"6%\"\n", "[fees] tax_rate", "expected a number"),
        ("[fees]\ntax_rate = 1.5\n", "[fees] tax_rate", "out of range"),
        ("[fees]\ntaxrate = 0.06\n", "[fees] taxrate", "did you mean 'tax_rate'"),
        ("[sla]\nminutes_hours = 24.5\n", "[sla] minutes_hours", "whole number"),
        ("[sla]\nminutes_hours = -1\n", "[sla] minutes_hours", "out of range"),
        ("[intake]\nsettle_seconds = \"60\"\n", "[intake] settle_seconds", "whole number"),
        ("[turnaround]\nartwork = \"three\"\n", "[turnaround] artwork", "whole number"),
        ("[turnaround]\nArt-Work = 3\n", "[turnaround] Art-Work", "lower-case"),
        ("[rates]\nprint_creative = -5\n", "[rates] print_creative", "out of range"),
        ("[time]\ntimezone = \"Mars/Base\"\n", "[time] timezone", "not a known time zone"),
        ("[mail]\ntransport = \"pigeon\"\n", "[mail] transport", "exchange, graph, smtp, file"),
        ("[mail]\nsender = \"not-an-address\"\n", "[mail] sender", "not an e-mail address"),
        ("[mail.recipients]\nweekly = \"a@b.example\"\n", "[mail.recipients] weekly", "expected a list"),
        ("[mail.recipients]\nweeklyy = [\"a@b.example\"]\n", "[mail.recipients] weeklyy", "unknown key"),
        ("[mail.exchange]\nauth = \"kerberos\"\n", "[mail.exchange] auth", "ntlm, basic"),
        ("[mail.smtp]\nport = 70000\n", "[mail.smtp] port", "out of range"),
        ("[mail.smtp]\nstarttls = \"yes\"\n", "[mail.smtp] starttls", "true or false"),
        ("[calendar]\nextra_holidays = [\"next monday\"]\n", "[calendar] extra_holidays", "expected a date"),
        ("[calendar]\nextra_holidays = [2027-01-04]\nextra_workdays = [2027-01-04]\n", "[calendar]", "both"),
        ("[schedule]\nweekly_progress = \"mondays at nine\"\n", "[schedule] weekly_progress", "every N minutes"),
        ("[schedule]\nfees_statement = \"day 31 09:00\"\n", "[schedule] fees_statement", "not a schedule"),
        ("[schedule]\ncoffee = \"daily 10:00\"\n", "[schedule] coffee", "unknown key"),
        ("[paths]\nwatch = \"inbox\"\n", "[paths] watch", "expected a list"),
        ("[forms]\njob_no_pattern = \"([A-Z\"\n", "[forms] job_no_pattern", "not a valid regular expression"),
        ("[[people]]\nname = \"张伟\"\nemail = \"z@agency.example\"\ndepartment = \"sales\"\n", "[people[1]] department", "account, creative"),
        ("[[people]]\nname = \"张伟\"\n", "[people[1]] email", "required"),
        ("[[rate_cards]]\neffective_from = \"soon\"\n", "[rate_cards[1]] effective_from", "expected a date"),
        ("[[rate_cards]]\neffective_from = 2027-01-01\nprint_magic = 5\n", "[rate_cards[1]] print_magic", "unknown key"),
        ("[agency]\nname = 5\n", "[agency] name", "expected text"),
        ("[fees]\ntax_rate = nan\n", "[fees] tax_rate", "finite"),
        ("colour = \"red\"\n", "colour", "unknown key"),
        ("fees = 3\n", "[fees]", "expected a table"),
        ("[paths]\nwatch = []\n", "[paths] watch", "at least one"),
        # the value is shown as it is written in TOML, not as Python sees it
        ("[intake]\nmax_file_mb = 50.5\n", "[intake] max_file_mb", "got number 50.5."),
        ("[mail.smtp]\nport = true\n", "[mail.smtp] port", "got true/false true."),
        ("[client]\nbrands = [\"海尔\", 1.5]\n", "[client] brands", "got number 1.5."),
        ("[mail]\nadmins = \"it@agency.example\"\n", "[mail] admins", "got text 'it@agency.example'."),
    ],
)
def test_bad_values_are_refused_naming_key_and_fix(tmp_path, text, key, words):
    msg = refused(tmp_path, text)
    assert key in msg, msg
    assert words in msg, msg
    assert "Fix:" in msg
    assert "Decimal(" not in msg and "True" not in msg and "False" not in msg, msg


def test_a_name_given_twice_is_one_problem(tmp_path):
    msg = refused(tmp_path, '[[people]]\nname = "张伟"\nemail = "a@agency.example"\n'
                            '[[people]]\nname = "张伟"\nemail = "b@agency.example"\n')
    assert msg.count("  - ") == 1, msg
    assert "'张伟' appears more than once" in msg


def test_all_problems_reported_at_once(tmp_path):
    msg = refused(tmp_path, "[fees]\ntax_rate = \"x\"\n[sla]\nminutes_hours = \"y\"\n")
    assert "[fees] tax_rate" in msg and "[sla] minutes_hours" in msg


def test_bad_toml_syntax(tmp_path):
    msg = refused(tmp_path, "[fees\n")
    assert "not valid TOML" in msg


def test_missing_file_says_how_to_fix(tmp_path):
    with pytest.raises(ConfigError, match="adtools init"):
        load_config(tmp_path / "nope.toml")


def test_rate_cards_apply_from_their_date(tmp_path):
    cfg = load_config(write(tmp_path, "[[rate_cards]]\neffective_from = 2026-11-16\nprint_creative = 850\n"))
    assert cfg.rates_on(date(2026, 11, 15))["print_creative"] == Decimal("800")
    assert cfg.rates_on(date(2026, 11, 16))["print_creative"] == Decimal("850")
    assert cfg.rates_on(date(2026, 11, 16))["print_artwork"] == Decimal("300")


def test_secrets_come_from_the_environment(tmp_path, monkeypatch):
    cfg = load_config(write(tmp_path, ""))
    monkeypatch.delenv("ADTOOLS_SMTP_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match="ADTOOLS_SMTP_PASSWORD"):
        cfg.secret(cfg.mail.smtp.password_env)
    monkeypatch.setenv("ADTOOLS_SMTP_PASSWORD", "s3cret")
    assert cfg.secret(cfg.mail.smtp.password_env) == "s3cret"


def test_person_lookup_by_alias():
    cfg = config_from_dict({"people": [{"name": "张伟", "email": "z@a.example", "aliases": ["Zhang Wei"]}]})
    assert cfg.person("zhang  wei").name == "张伟"
    assert cfg.person("nobody") is None


def test_find_config_order(tmp_path, monkeypatch):
    monkeypatch.setenv("ADTOOLS_CONFIG", str(tmp_path / "env.toml"))
    assert find_config_path("x.toml", cwd=tmp_path) == Path("x.toml")
    assert find_config_path(None, cwd=tmp_path) == tmp_path / "env.toml"
    (tmp_path / "config.toml").write_text("")
    assert find_config_path(None, cwd=tmp_path) == tmp_path / "config.toml"
