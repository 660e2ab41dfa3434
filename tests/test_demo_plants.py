"""Every item README's "The demo" says the story plants is found by a report on the demo (issue 11).

The list is read from the README itself: an item added there without a check here
fails, and so does a check whose report stops finding its item.  Items whose
reports have not landed yet are listed as pending with the issue that brings them.
"""
from __future__ import annotations

import re

import pytest

from adtools.config import load_config
from adtools.tasks import make_report

pytestmark = pytest.mark.dates

PENDING = {
    "a design quote returned for revision": "no report lists sign-off decisions yet (the client's revision requests)",
}


def planted_items(readme: str) -> list[str]:
    """The items of the sentence `Reports should find what the story plants: …, and ….`"""
    text = " ".join(readme.split())
    sentence = re.search(r"Reports should find what the story plants: (.+?)\.(?: |$)", text).group(1)
    return [re.sub(r"^and ", "", item.strip()) for item in sentence.split(", ")]


@pytest.fixture(scope="module")
def found(tmp_path_factory, _demo_session):
    """The demo's reports as its jobs run them: the Monday reports of the last Friday, last month's statement."""
    from conftest import _demo_moment

    from adtools import clock

    built = _demo_session[0]
    cfg = load_config(built.root / "config.toml")
    out = tmp_path_factory.mktemp("plants")
    with clock.pinned(_demo_moment()):
        return {key: make_report(cfg, key, out_dir=out / key)[0].data
                for key in ("weekly", "weekly_internal", "fees", "reconciliation", "archive")}


CHECKS = {
    "a booking made before the media schedule was approved":
        lambda f: [g["stage"] for g in f["weekly_internal"]["gate_violations"]] == ["media_booking"],
    "one late": lambda f: [d["on_time"] for d in f["weekly"]["delivered"]].count(False) == 1,
    "one overdue and one due-soon deliverable": lambda f: (len(f["weekly"]["overdue"]), len(f["weekly"]["due_soon"])) == (1, 1),
    "a sign-off waiting longer than the client's response time": lambda f: len(f["weekly"]["awaiting_client"]) == 1,
    "one important meeting's minutes sent late":
        lambda f: [m["status"] for m in f["weekly_internal"]["minutes"]].count("late") == 1,
    "a missing timesheet": lambda f: len(f["fees"]["missing_timesheets"]) >= 1,
    "a media invoice that does not match its booking":
        lambda f: [i["status"] for i in f["reconciliation"]["insertions"]].count("amount_differs") == 1,
    "a cancelled booking": lambda f: [i["status"] for i in f["reconciliation"]["insertions"]].count("cancelled") == 1,
    "a model release whose rights end soon":
        lambda f: [r["doc_type"] for r in f["archive"]["expiring"]] == ["model_release"],
}


def test_the_readme_list_is_checked_item_by_item(repo):
    items = planted_items((repo / "README.md").read_text(encoding="utf-8"))
    assert len(items) >= 8
    assert set(items) == set(CHECKS) | set(PENDING), "an item of README's list has no check here (or a check no item)"


@pytest.mark.parametrize("item", sorted(CHECKS))
def test_each_planted_item_is_found_by_a_report(found, item):
    assert CHECKS[item](found), (item, {k: {x: v for x, v in d.items() if x != "lines"} for k, d in found.items()})


def test_the_client_never_receives_what_is_internal(found):
    assert "gate_violations" not in found["weekly"] and "minutes" not in found["weekly"]
