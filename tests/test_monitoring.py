"""The monitoring reports on hand-built clippings: brand aliases, share of voice, MoM/YoY, ranks, new and stopped
advertisers, the flight's market analysis, when each falls due, the golden workbooks and the brand-alias register."""
from __future__ import annotations

import json
import os
from datetime import date, datetime
from decimal import Decimal as D

import pandas as pd
import pytest
from click.testing import CliRunner
from golden_xlsx import check_golden

from adtools.cli import main
from adtools.config import load_config
from adtools.forms.catalog import FORMS, brand_key
from adtools.forms.fill import fill_workbook
from adtools.forms.validate import validate_file
from adtools.monitoring import (
    OTHER, brand_map, change, classify, market_analysis, monitoring_month, shares, unmapped,
)
from adtools.monitoring.due import flights_due, parts_due
from adtools.monitoring import flights as flights_of
from adtools.reports.market import render_market
from adtools.reports.monitoring import render_monitoring

MIDEA, SIEMENS, RONSHEN, HAIER = "美的 Midea", "西门子 Siemens", "容声 Ronshen", "海尔 Haier"


def clip(day: str, advertiser: str, cost: str, *, media: str = "人民日报", new: bool = False, size: str = "整版",
         theme: str | None = None, ref: str | None = None) -> dict:
    return {"date": pd.Timestamp(day), "media": media, "advertiser": advertiser, "est_cost": D(cost),
            "new_creative": new, "size": size, "theme": theme, "product": None, "position": None,
            "clipping_ref": ref, "colour": "colour"}


def frame(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def month_of(cfg, *rows: dict, month: str = "2026-10", aliases: pd.DataFrame | None = None):
    bmap = brand_map(cfg, aliases)
    c = classify(frame(*rows), bmap)
    return monitoring_month(c, month, client=bmap.client, competitors=bmap.competitors,
                            unmapped=unmapped(c[c["month"] == month]), notes=bmap.notes)


def by_brand(m) -> dict[str, dict]:
    return {b["brand"]: b for b in m.to_json()["by_brand"]}


# --------------------------------------------------------------------------- brands
def test_alias_variants_of_width_case_and_space_are_one_competitor(cfg):
    assert brand_key("Ｍｉｄｅａ") == brand_key("midea") == brand_key(" MIDEA ") == "midea"
    assert brand_key("美 的") == brand_key("美的")
    c = classify(frame(clip("2026-10-01", "midea", "1"), clip("2026-10-02", "Ｍｉｄｅａ", "1"),
                       clip("2026-10-03", "美 的", "1"), clip("2026-10-04", "ＨＡＩＥＲ", "1"),
                       clip("2026-10-05", "卡萨帝", "1"), clip("2026-10-06", "美菱", "1"), clip("2026-10-07", "美 菱", "1")),
                 brand_map(cfg))
    assert list(c["advertiser"]) == [MIDEA] * 3 + [HAIER, HAIER, OTHER, OTHER]
    assert list(c["side"]) == ["competitor"] * 3 + ["client", "client", "unmapped", "unmapped"]
    assert list(c["brand"][3:5]) == ["Haier", "卡萨帝"]  # the client's brands beneath its one name
    assert unmapped(c) == [{"advertiser": "美菱", "clippings": 2}]  # spellings grouped, shown as first written


def test_the_register_extends_the_config_and_never_overrides_it(cfg):
    aliases = pd.DataFrame([
        {"alias": "美菱", "brand": "美菱 Meiling", "side": "competitor", "_document_id": 1, "_row": 5},
        {"alias": "统帅", "brand": "统帅 Leader", "side": "client", "_document_id": 1, "_row": 6},
        {"alias": "ＴＣＬ", "brand": "TCL", "side": "other", "_document_id": 1, "_row": 7},
        {"alias": "Midea", "brand": "Midea China", "side": "competitor", "_document_id": 1, "_row": 8},
    ])
    bmap = brand_map(cfg, aliases)
    assert bmap.competitors == (MIDEA, SIEMENS, RONSHEN, "美菱 Meiling")
    c = classify(frame(clip("2026-10-01", "美 菱", "1"), clip("2026-10-02", "统帅", "1"), clip("2026-10-03", "tcl", "1"),
                       clip("2026-10-04", "MIDEA", "1")), bmap)
    assert list(c["advertiser"]) == ["美菱 Meiling", HAIER, "TCL", MIDEA]
    assert list(c["side"]) == ["competitor", "client", "other", "competitor"]
    assert c["brand"][1] == "统帅 Leader"
    assert unmapped(c) == []
    assert len(bmap.notes) == 1 and "Midea" in bmap.notes[0] and "config.toml" in bmap.notes[0]


def test_one_alias_with_two_display_names_is_an_error_naming_both_rows(cfg, tmp_path):
    rows = [{"alias": "美菱", "brand": "美菱 Meiling", "side": "competitor"},
            {"alias": "统帅", "brand": "统帅 Leader", "side": "client"},
            {"alias": "美 菱", "brand": "美菱集团", "side": "competitor"}]
    path = fill_workbook(FORMS["brand_aliases"], cfg, {"register_id": "BA-2026"}, rows, tmp_path / "aliases.xlsx")
    result = validate_file(path, cfg)
    errors = [f for f in result.findings if f.severity == "error"]
    assert [f.rule for f in errors] == ["alias_conflict"]
    marked = int("".join(ch for ch in errors[0].cell if ch.isdigit()))  # the later mapping's cell is marked
    assert errors[0].field == "brand" and "美菱 Meiling" in errors[0].message_en and "美菱集团" in errors[0].message_en
    assert f"row {marked - 2}" in errors[0].message_en and f"row {marked}" in errors[0].message_en  # both rows named
    assert f"第 {marked - 2} 行" in errors[0].message_zh
    same = [{"alias": "美菱", "brand": "美菱 Meiling", "side": "competitor"},
            {"alias": "Ｍeiling", "brand": "美菱 Meiling", "side": "competitor"},
            {"alias": "美 菱", "brand": "美菱 meiling", "side": "competitor"}]  # the same name, written twice
    ok = validate_file(fill_workbook(FORMS["brand_aliases"], cfg, {"register_id": "BA-2026"}, same,
                                     tmp_path / "same.xlsx"), cfg)
    assert not [f for f in ok.findings if f.severity == "error"]


# --------------------------------------------------------------------------- shares and changes
def test_shares_sum_to_exactly_one_by_the_largest_remainder():
    assert shares([1, 1, 1]) == [D("0.3334"), D("0.3333"), D("0.3333")]
    assert sum(shares([7, 13, 29, 1, 0])) == 1
    assert shares([0, 0]) == [None, None]
    assert change(150, 100) == D("0.5000") and change(50, 100) == D("-0.5000") and change(5, 0) is None


def test_share_of_voice_sums_to_one_including_other(cfg):
    m = month_of(cfg, clip("2026-10-01", "海尔", "1000"), clip("2026-10-02", "美的", "3000"),
                 clip("2026-10-03", "Midea", "1000.01"), clip("2026-10-04", "美菱", "333.33"),
                 clip("2026-10-05", "TCL", "100"), clip("2026-10-06", "西门子", "0"))
    data = m.to_json()
    assert sum(D(b["sov_spend"]) for b in data["by_brand"]) == 1
    assert sum(D(b["sov_insertions"]) for b in data["by_brand"]) == 1
    rows = by_brand(m)
    assert rows[OTHER]["insertions"] == 2 and rows[OTHER]["spend"] == "433.33" and rows[OTHER]["rank"] is None
    # by hand: 4000.01 / 5433.34 = 0.73619... ; 1000 / 5433.34 = 0.18404...
    assert rows[MIDEA]["sov_spend"] == "0.7362" and rows[HAIER]["sov_spend"] == "0.1840"
    assert rows[MIDEA]["sov_insertions"] == "0.3333" and rows[SIEMENS]["sov_insertions"] == "0.1667"
    assert [u["advertiser"] for u in data["unmapped"]] == ["TCL", "美菱"]
    assert set(data) == {"month", "clippings", "new_creatives", "by_brand", "unmapped", "new_advertisers",
                         "stopped_advertisers"}


def test_month_on_month_year_on_year_rank_change_new_and_stopped(cfg):
    m = month_of(
        cfg,
        # 2025-10 (a year before)
        clip("2025-10-03", "海尔", "500"), clip("2025-10-04", "美的", "2000"),
        # 2026-09: Siemens first, Midea second, Haier third, Ronshen fourth
        clip("2026-09-01", "西门子", "5000"), clip("2026-09-02", "美的", "4000"), clip("2026-09-03", "海尔", "800"),
        clip("2026-09-04", "海尔", "200"), clip("2026-09-05", "容声", "100"),
        # 2026-10: Haier up to first, Midea stays second, Siemens stopped, TCL new, Ronshen stopped
        clip("2026-10-01", "海尔", "3000", new=True, theme="鲜活冰箱"), clip("2026-10-02", "海尔", "3000"),
        clip("2026-10-03", "Haier", "1500"), clip("2026-10-04", "美的", "5000"), clip("2026-10-05", "TCL", "300"),
    )
    rows = by_brand(m)
    haier, midea = rows[HAIER], rows[MIDEA]
    assert (haier["insertions"], haier["spend"], haier["rank"], haier["rank_change"]) == (3, "7500.00", 1, 2)
    assert (midea["rank"], midea["rank_change"]) == (2, 0)
    assert haier["change_insertions"] == "0.5000"  # 3 against 2
    assert haier["change_spend"] == "6.5000"  # 7500 against 1000
    assert midea["change_spend"] == "0.2500"  # 5000 against 4000
    brands = m.by_brand.set_index("advertiser")
    assert brands.loc[HAIER, "yoy_change_spend"] == D("14.0000")  # 7500 against 500
    assert brands.loc[MIDEA, "yoy_change_insertions"] == D("0.0000")
    assert m.to_json()["new_advertisers"] == ["TCL"]
    assert m.to_json()["stopped_advertisers"] == [RONSHEN, SIEMENS]
    # shares of 12800: 7500 -> 0.5859|375, 5000 -> 0.3906|25, 300 -> 0.0234|375; the spare 0.0001 to the first tie
    assert m.gap == {"first": HAIER, "second": MIDEA, "fen": 250000, "insertions": 2, "share": D("0.5860") - D("0.3906")}
    assert list(m.top["advertiser"]) == [HAIER, MIDEA]
    assert m.new_creatives == 1 and m.clippings == 5
    assert m.placements.iloc[0]["theme"] == "鲜活冰箱"  # new creatives first
    assert list(m.spend_series.loc[HAIER, ["2026-09", "2026-10"]]) == [100000, 750000]
    comp = m.competitors.set_index("advertiser")
    assert list(comp.index) == [HAIER, MIDEA, SIEMENS, RONSHEN]
    assert comp.loc[HAIER, "size_mix"] == "整版 3" and comp.loc[HAIER, "new_themes"] == "鲜活冰箱"
    assert sum(m.group_share["share"]) == 1


# --------------------------------------------------------------------------- the market analysis of a flight
def _schedule(start: str, end: str) -> pd.DataFrame:
    return pd.DataFrame([
        {"campaign": "C", "flight": "F1", "flight_start": pd.Timestamp("2026-01-01"), "flight_end": pd.Timestamp("2026-01-02"),
         "version": 1},
        {"campaign": "C", "flight": "F1", "flight_start": pd.Timestamp(start), "flight_end": pd.Timestamp(end), "version": 2},
    ])


def test_market_analysis_before_during_after_and_share_of_voice(cfg):
    bmap = brand_map(cfg)
    c = classify(frame(
        clip("2026-09-20", "美的", "900"),  # before the same days before: outside both windows
        clip("2026-09-25", "美的", "1000"), clip("2026-09-28", "海尔", "1000"),  # the 7 days before (and the window)
        clip("2026-10-01", "海尔", "3000"), clip("2026-10-03", "Midea", "1000"), clip("2026-10-05", "美菱", "0.5"),
        clip("2026-10-07", "海尔", "1000"),
        clip("2026-10-20", "西门子", "700"),  # after, inside the 14 days
        clip("2026-10-30", "西门子", "700"),  # after the window
    ), bmap)
    notes = pd.DataFrame([{"campaign": "C", "flight": "F1", "section": "competitors", "text": "美的加大投放"},
                          {"campaign": "C", "flight": "F1", "section": "response", "text": "强调差异化"},
                          {"campaign": "C", "flight": "F1", "section": "effect", "text": "不在本报告"}])
    a = market_analysis(c, _schedule("2026-10-01", "2026-10-07"), notes, "C", "F1", client=bmap.client,
                        competitors=bmap.competitors, margin_days=14)
    assert (a.flight_start, a.window_start, a.window_end, a.sov_start) == (
        date(2026, 10, 1), date(2026, 9, 17), date(2026, 10, 21), date(2026, 9, 24))
    t = a.by_brand.set_index("advertiser")
    assert list(t.loc[HAIER, ["before_insertions", "during_insertions", "after_insertions"]]) == [1, 2, 0]
    assert list(t.loc[MIDEA, ["before_insertions", "during_insertions", "after_insertions"]]) == [2, 1, 0]
    assert t.loc[SIEMENS, "after_insertions"] == 1 and t.loc[SIEMENS, "after_fen"] == 70000
    # during: Haier 4000, Midea 1000, other 0.50 -> 4000 / 5000.50
    assert t.loc[HAIER, "sov_during"] == D("0.7999") and t.loc[MIDEA, "sov_during"] == D("0.2000")
    assert t.loc[HAIER, "sov_before"] == D("0.5000") and t.loc[MIDEA, "sov_before"] == D("0.5000")
    assert a.notes == {"competitors": ["美的加大投放"], "response": ["强调差异化"]}
    assert a.to_json()["by_brand"][0]["during_spend"] == "4000.00"


def test_an_unknown_flight_is_refused_naming_the_flights_there_are(cfg):
    from adtools.errors import InputError

    c = classify(frame(clip("2026-10-01", "海尔", "1")), brand_map(cfg))
    with pytest.raises(InputError, match="C / F1"):
        market_analysis(c, _schedule("2026-10-01", "2026-10-07"), None, "C", "F9", client="x", competitors=(), margin_days=14)


def test_when_the_parts_and_the_flights_fall_due():
    days = {"placements": 5, "industry": 10, "competitors": 15}
    assert parts_due(days, date(2026, 11, 4)) == []
    assert parts_due(days, date(2026, 11, 10)) == ["placements", "industry"]
    assert parts_due(days, date(2026, 11, 30)) == ["placements", "industry", "competitors"]
    fl = flights_of(_schedule("2026-10-01", "2026-10-07"))
    assert len(fl) == 1 and fl.iloc[0]["flight_end"] == date(2026, 10, 7)  # the latest version's dates
    assert flights_due(fl, 15, date(2026, 10, 21)) == []
    assert flights_due(fl, 15, date(2026, 10, 22)) == [("C", "F1")]


# --------------------------------------------------------------------------- the workbooks
def _golden_month(cfg):
    return month_of(
        cfg,
        clip("2025-10-03", "海尔", "500", media="北京晚报"), clip("2026-08-04", "美的", "2000", media="新民晚报"),
        clip("2026-09-01", "西门子", "5000"), clip("2026-09-02", "美的", "4000", size="半版"),
        clip("2026-09-03", "海尔", "800", size="通栏"), clip("2026-09-05", "容声", "100", media="广州日报"),
        clip("2026-10-01", "海尔", "3000", new=True, theme="「鲜活冰箱」新鲜看得见", ref="JB-202610-001"),
        clip("2026-10-02", "卡萨帝", "3000", media="北京晚报", size="半版", ref="JB-202610-002"),
        clip("2026-10-04", "美的", "5000", new=True, theme="美的 微晶冰箱 一级能效", media="新民晚报", ref="JB-202610-003"),
        clip("2026-10-05", "容声", "900", size="35×24cm", media="广州日报", ref="JB-202610-004"),
        clip("2026-10-06", "TCL", "300", ref="JB-202610-005"),
    )


def test_golden_monitoring_workbook(cfg, tmp_path):
    m = _golden_month(cfg)
    result = render_monitoring(cfg, m, None, out_dir=tmp_path)
    check_golden(result.files[0], "monitoring_2026-10")
    assert result.period == "2026-10" and result.subject.endswith("媒体监测报告 2026-10")
    assert by_brand(m)[HAIER]["spend"] == "6000.00"  # the figures of the golden file, checked by hand
    part = render_monitoring(cfg, m, "competitors", out_dir=tmp_path)
    assert part.period == "2026-10 competitors" and part.files[0].name == "媒体监测_monitoring_2026-10_competitors.xlsx"
    from openpyxl import load_workbook

    assert load_workbook(part.files[0]).sheetnames == ["概要 Summary", "竞争对手 Competitors", "份额图 Charts", "未归类 Unmapped"]


def test_golden_market_workbook(cfg, tmp_path):
    bmap = brand_map(cfg)
    c = classify(frame(clip("2026-09-25", "美的", "1000", ref="JB-1"), clip("2026-10-01", "海尔", "3000", ref="JB-2"),
                       clip("2026-10-03", "Midea", "1000", ref="JB-3"), clip("2026-10-20", "西门子", "700", ref="JB-4")), bmap)
    notes = pd.DataFrame([{"campaign": "C", "flight": "F1", "section": "competitors", "text": "美的加大投放"},
                          {"campaign": "C", "flight": "F1", "section": "response", "text": "强调差异化"}])
    a = market_analysis(c, _schedule("2026-10-01", "2026-10-07"), notes, "C", "F1", client=bmap.client,
                        competitors=bmap.competitors, margin_days=14)
    result = render_market(cfg, a, out_dir=tmp_path)
    check_golden(result.files[0], "market_C_F1")
    assert result.key == "market" and result.period == "C F1"


# --------------------------------------------------------------------------- the demo, the command, the register
def test_the_demo_sends_all_three_parts_and_the_market_analysis(demo_built):
    done = {line.step: line for line in demo_built.result.lines}
    mon = done["媒体监测报告 Media monitoring"]
    for part in ("placements", "industry", "competitors"):
        assert f"媒体监测_monitoring_2026-10_{part}.xlsx" in mon.where
    assert "市场分析_market_" in done["市场分析 Market analysis"].where
    assert "mail queued" in mon.produced and "#" in mon.produced


def _report_json(root, *args) -> dict:
    r = CliRunner().invoke(main, ["--config", str(root / "config.toml"), "report", *args, "--json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_an_alias_added_in_the_register_moves_an_advertiser_out_of_other(demo_workspace):
    from adtools.ledger import frames
    from adtools.ledger.store import Ledger
    from adtools.tasks import ingest

    root = demo_workspace.root
    month = "2026-09"  # the demo's history has 美菱 unmapped in this month
    before = _report_json(root, "monitoring", "--month", month, "--part", "industry")
    assert "美菱" in [u["advertiser"] for u in before["unmapped"]]
    assert "美菱 Meiling" not in [b["brand"] for b in before["by_brand"]]

    cfg = load_config(root / "config.toml")
    with Ledger.open(cfg) as led:
        register = frames.rows(led, "brand_aliases")
    rows = [{k: r[k] for k in ("alias", "brand", "side", "note")} for r in register.to_dict("records")]
    rows.append({"alias": "美 菱", "brand": "美菱 Meiling", "side": "competitor", "note": "新竞品 a new competitor"})
    path = cfg.watch_dirs[0] / register.iloc[0]["_file"]
    fill_workbook(FORMS["brand_aliases"], cfg, {"register_id": register.iloc[0]["register_id"]}, rows, path)
    stamp = datetime(2026, 11, 25, 18, 0).timestamp()
    os.utime(path, (stamp, stamp))
    summary = ingest(cfg).to_json()
    assert summary["ingested"] == 1 and summary["rejected"] == 0

    after = _report_json(root, "monitoring", "--month", month, "--part", "industry")
    assert "美菱" not in [u["advertiser"] for u in after["unmapped"]]
    meiling = next(b for b in after["by_brand"] if b["brand"] == "美菱 Meiling")
    assert meiling["insertions"] >= 1 and meiling["rank"] is not None
    assert sum(D(b["sov_spend"]) for b in after["by_brand"]) == 1


def test_the_market_command_and_its_flight(demo_built):
    cfg = load_config(demo_built.root / "config.toml")
    from adtools.ledger import frames
    from adtools.ledger.store import Ledger

    with Ledger.open(cfg) as led:
        fl = flights_of(frames.documents(led, "media_schedule"))
    campaign, flight = fl.iloc[0]["campaign"], fl.iloc[0]["flight"]
    data = _report_json(demo_built.root, "market", "--campaign", campaign, "--flight", flight)
    assert data["flight"] == flight and data["notes"]["competitors"] and data["notes"]["response"]
    ours = next(b for b in data["by_brand"] if b["side"] == "client")
    assert ours["during_insertions"] >= 1
    bad = CliRunner().invoke(main, ["--config", str(demo_built.root / "config.toml"), "report", "monitoring",
                                    "--month", "2026-10", "--part", "everything"])
    assert bad.exit_code == 2 and "placements" in bad.output


def test_the_job_sends_each_part_on_its_day_once_per_month(demo_workspace):
    from adtools.tasks import run_task

    cfg = load_config(demo_workspace.root / "config.toml")

    def run(day: int) -> tuple[list, list]:
        r = run_task("monitoring", cfg, now=datetime(2026, 12, day, 9, 0, tzinfo=cfg.tz))
        assert r.status == "ok", r.error
        return [d["period"] for d in r.summary["due"] if d["queued"] != "sent before"], r.queued

    assert run(4) == ([], [])  # nothing of November is due before [sla] monitoring_placements_day = 5
    due, queued = run(5)
    assert due == ["2026-11 placements"] and len(queued) == 1
    r = run_task("monitoring", cfg, now=datetime(2026, 12, 6, 9, 0, tzinfo=cfg.tz))
    assert r.summary["due"] == [{"report": "monitoring", "period": "2026-11 placements", "queued": "sent before"}]
    assert r.queued == [] and r.files == []  # neither built nor mailed again
    due, queued = run(12)  # the 10th was missed: the industry part catches up
    assert due == ["2026-11 industry"] and len(queued) == 1
    due, queued = run(15)
    assert due == ["2026-11 competitors"] and len(queued) == 1
