"""The registry is the only list of reports and jobs: commands, jobs, config checks, subjects and the README follow it."""
from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from adtools import registry
from adtools.cli import main
from adtools.config import config_from_dict
from adtools.errors import ConfigError
from adtools.forms.catalog import FORMS

pytestmark = pytest.mark.dates  # CI runs these again under faketime (.ci/run)

REPO = Path(__file__).resolve().parents[1]


def test_each_report_and_job_is_declared_once_and_nowhere_else():
    """`grep` for a job name or a report key in adtools/ finds its declaration (and the report's own module)."""
    sources = {p: p.read_text(encoding="utf-8") for p in (REPO / "adtools").rglob("*.py")}
    sources.update({p: p.read_text(encoding="utf-8") for p in (REPO / "jobs").rglob("*.py")})

    # "monitoring" is also a form (the clipping log) whose id every layer names: CONFIG.md gives the job and
    # the report that name, so for a name that is a form id only the report module's own KEY is checked
    forms = set(FORMS)
    for j in registry.JOBS:
        if j.report is None or j.name in forms:
            continue  # ingest and mail_flush also name their own job_runs rows
        where = sorted(str(p.relative_to(REPO)) for p, text in sources.items() if re.search(rf"[\"']{j.name}[\"']", text))
        # a job named as its report (reconciliation) is also that report's KEY in the report's own module
        own = registry.resolve(registry.report(j.report).build).__module__.replace(".", "/") + ".py"
        allowed = {"adtools/registry.py", own} if j.name == j.report else {"adtools/registry.py"}
        assert "adtools/registry.py" in where and set(where) <= allowed, (j.name, where)
    for r in registry.REPORTS:
        own = registry.resolve(r.build).__module__.replace(".", "/") + ".py"
        where = sorted(str(p.relative_to(REPO)) for p, text in sources.items() if re.search(rf"[\"']{r.key}[\"']", text))
        # config.py has a [fees] section, schedule_spec.py a "weekly" kind of phrase, the reconciliation a figure
        # "fees" (fees and costs billed to a campaign), the archive register a form named like its report
        others = {"adtools/config.py", "adtools/schedule_spec.py"}
        if r.key == "fees":
            others |= {"adtools/reconcile/prepayment.py", "adtools/reconcile/reconciliation.py",
                       "adtools/reports/reconciliation.py"}
        if r.key in FORMS:  # a report named like a form (archive, monitoring): every layer names the form
            continue
        if any(r.key == f.key for form in FORMS.values() for f in form.fields):
            # a report named like a form's field (flight, the issue's `adtools report flight`): every layer names
            # the field, so only the report module's own KEY is checked
            assert f'KEY = "{r.key}"' in sources[REPO / own], r.key
            continue
        assert set(where) <= {"adtools/registry.py", own, *others}, (r.key, where)
        assert own in where  # the report module names its own key once, as KEY
        assert registry.resolve(r.build).__module__ == registry.resolve(r.show).__module__


def test_every_declared_function_imports():
    for r in registry.REPORTS:
        for path in (r.build, r.show, r.headline):
            assert callable(registry.resolve(path)), path
    for j in registry.JOBS:
        assert j.run or j.report, j.name
        if j.run:
            assert callable(registry.resolve(j.run))


def test_the_report_commands_are_the_registry():
    group = main.commands["report"]
    assert sorted(group.commands) == sorted(r.key for r in registry.REPORTS)
    for r in registry.REPORTS:
        flags = {opt for p in group.commands[r.key].params for opt in p.opts}
        assert {o.flag for o in r.options} | {"--json", "--send", "--out"} <= flags
        out = CliRunner().invoke(main, ["report", r.key, "--help"])
        assert out.exit_code == 0 and r.example in out.output


def test_adtools_run_offers_exactly_the_registered_jobs():
    run = main.commands["run"]
    assert list(run.params[0].type.choices) == [j.name for j in registry.JOBS]
    from jobs import JOBS

    assert list(JOBS) == [j.name for j in registry.JOBS]


def test_the_readme_names_every_report_with_its_options_and_every_job():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("| `adtools ")]
    for r in registry.REPORTS:
        row = next((line for line in rows if line.startswith(f"| `adtools report {r.key} ")), None)
        assert row, f"README.md's command table lacks `adtools report {r.key}`"
        for o in r.options:
            assert o.flag in row, (r.key, o.flag)
        assert f"[mail.recipients] {r.recipients_key}" in row
    run_row = next(line for line in rows if line.startswith("| `adtools run JOB"))
    for j in registry.JOBS:
        assert f"`{j.name}`" in run_row, j.name


def test_the_defaults_of_config_come_from_the_registry(tmp_path):
    cfg = config_from_dict({}, base_dir=tmp_path)
    assert sorted(cfg.schedule) == sorted(j.name for j in registry.JOBS)
    assert {k: v.text for k, v in cfg.schedule.items()} == registry.default_schedule()
    assert dict(cfg.mail.recipients) == registry.default_recipients()


def test_a_schedule_for_a_job_that_does_not_exist_is_refused_at_load(tmp_path):
    with pytest.raises(ConfigError) as err:
        config_from_dict({"schedule": {"weekly_progres": "monday 09:00", "nightly_backup": "every 1 hour"}}, base_dir=tmp_path)
    text = str(err.value)
    assert "[schedule] weekly_progres: unknown key: no such job" in text and "did you mean 'weekly_progress'" in text
    assert "[schedule] nightly_backup: unknown key: no such job" in text and ", ".join(j.name for j in registry.JOBS) in text


def test_recipients_for_a_report_that_does_not_exist_are_refused_at_load(tmp_path):
    with pytest.raises(ConfigError, match=r"\[mail.recipients\] weeky.*did you mean 'weekly'"):
        config_from_dict({"mail": {"recipients": {"weeky": ["a@agency.example"]}}}, base_dir=tmp_path)


def test_the_repo_config_names_only_registered_jobs_and_reports():
    import tomllib

    data = tomllib.loads((REPO / "config.toml").read_text(encoding="utf-8"))
    assert set(data["schedule"]) - {"catch_up"} == {j.name for j in registry.JOBS}
    assert set(data["schedule"]["catch_up"]) - {"max_late_days"} <= {j.name for j in registry.JOBS}
    assert set(data["mail"]["recipients"]) == {r.recipients_key for r in registry.REPORTS}


def test_subjects_come_from_the_registry():
    assert registry.subject("海尔冰箱", "weekly", "2026-11-27") == "【周报 Weekly】海尔冰箱 工作进展 截至 2026-11-27"
    assert registry.subject("海尔冰箱", "fees", "2026-10") == "【收费清单 Fees】海尔冰箱 收费清单 2026-10"


@pytest.mark.parametrize("now, weekly, fees", [
    ("2026-11-27T09:00", "2026-11-27", "2026-10"),
    ("2026-11-30T09:00", "2026-11-27", "2026-10"),
    ("2026-12-31T23:59", "2026-12-25", "2026-11"),
    ("2027-02-16T09:00", "2027-02-12", "2027-01"),
])
def test_the_period_a_job_covers_is_the_clocks_default(now, weekly, fees):
    from zoneinfo import ZoneInfo

    moment = datetime.fromisoformat(now).replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    assert registry.job("weekly_progress").period(moment) == weekly
    assert registry.job("fees_statement").period(moment) == fees
    assert registry.report("fees").defaults(moment)["as_of"] == moment.date()


def test_adtools_jobs_lists_the_jobs_with_the_period_of_now(tmp_path, monkeypatch):
    (tmp_path / "config.toml").write_text('[schedule]\nweekly_progress = "monday 10:30"\n', encoding="utf-8")
    out = CliRunner().invoke(main, ["--config", str(tmp_path / "config.toml"), "--now", "2026-11-30T08:00", "jobs", "--json"])
    assert out.exit_code == 0, out.output
    rows = {r["job"]: r for r in json.loads(out.stdout)}
    assert list(rows) == [j.name for j in registry.JOBS]
    assert rows["weekly_progress"]["schedule"] == "monday 10:30" and rows["weekly_progress"]["period_now"] == "2026-11-27"
    assert rows["fees_statement"]["period_now"] == "2026-10" and rows["fees_statement"]["report"] == "fees"


def test_a_bad_now_is_refused_before_anything_runs(tmp_path):
    out = CliRunner().invoke(main, ["--now", "next monday", "jobs"])
    assert out.exit_code == 2 and "--now" in out.output and "2026-11-30T08:59" in out.output


def test_the_registry_refuses_two_reports_of_one_key(monkeypatch):
    twice = registry.REPORTS + registry.REPORTS[:1]
    monkeypatch.setattr(registry, "REPORTS", twice)
    monkeypatch.setattr(registry, "JOBS", registry.JOBS)
    with pytest.raises(RuntimeError, match="two reports named"):
        registry._check()


def test_options_default_from_the_moment_a_report_is_made(tmp_path):
    """`adtools report weekly` without --as-of covers the last Friday of the clock's day (pinned: 2026-11-26)."""
    assert registry.report("weekly").defaults(datetime(2026, 11, 26, 12, 0))["as_of"] == date(2026, 11, 20)


def test_the_readmes_table_of_jobs_is_the_registry():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("## The jobs", 1)[1].split("\n\n|", 1)[1].split("\n\n", 1)[0]
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in ("|" + table).splitlines()[2:]]
    assert [(r[0].strip("`"), r[1]) for r in rows] == [(j.name, j.schedule) for j in registry.JOBS]
