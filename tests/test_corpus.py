"""Every spreadsheet of the shared real-world corpus is read or refused with a finding: no exception, no hang.

The corpus (340 files from Excel, LibreOffice, WPS-era tools, Google Sheets,
Numbers, POI, fuzzers ...) lives beside the repository in
`../shared/corpus/xlsx-real`, or where $ADTOOLS_CORPUS points.  None of its
files is one of our forms, so "read" means a RawWorkbook whose only finding is
"not a recognised adtools form"; the broken and hostile ones (listed in the
note column of MANIFEST.tsv) must be refused with the right rule.
"""
from __future__ import annotations

import csv
import os
import time
from collections import Counter
from pathlib import Path

import pytest

from adtools.errors import ERROR
from adtools.forms.reader import read_workbook

REPO = Path(__file__).resolve().parents[1]
# Hang guards, not speed targets (speed is measured by benchmarks/read_bench.py against a baseline
# in the same run): a file that takes a minute to refuse is a hang, on any machine under any load.
PER_FILE_SECONDS = 60.0
TOTAL_SECONDS = 900.0

# what any file may end as (the broken ones are checked more tightly below)
READ = "unknown_form"
REFUSALS = {"corrupt", "not_a_workbook", "no_sheets", "encrypted", "xls_format", "ods_format", "xlsb_format",
            "unsafe_file", "lock_file", "csv_format", "unzipped_too_large", "too_large"}


def corpus_dir() -> Path | None:
    env = os.environ.get("ADTOOLS_CORPUS")
    path = Path(env) if env else REPO.parent / "shared" / "corpus" / "xlsx-real"
    return path if (path / "MANIFEST.tsv").is_file() else None


def manifest(root: Path) -> dict[str, dict[str, str]]:
    with (root / "MANIFEST.tsv").open(encoding="utf-8", newline="") as fh:
        return {row["file"]: row for row in csv.DictReader(fh, delimiter="\t")}


def expected(name: str, row: dict[str, str]) -> set[str]:
    """The outcomes allowed for one corpus file, from its note, features and extension."""
    note, features = row.get("note", ""), row.get("features", "")
    suffix = Path(name).suffix.lower()
    if "password-encrypted" in note:
        return {"encrypted"}
    if "lock file" in note:
        return {"lock_file"}
    if "fuzzer" in note:
        return {"corrupt", "not_a_workbook"}
    if "neither zip nor CFB" in note:
        return {"not_a_workbook"}
    if "DTD/entities" in features:
        return {"unsafe_file"}
    if suffix == ".xls":
        return {"xls_format", "encrypted"}
    if suffix == ".ods":
        return {"ods_format"}
    if suffix == ".xlsb":
        return {"xlsb_format", "encrypted"}
    if "strict-ooxml" in features:
        return {READ}  # python-calamine reads Strict Open XML: never "no sheet"
    return {READ, "corrupt", "no_sheets", "not_a_workbook"}


@pytest.fixture(scope="module")
def corpus():
    root = corpus_dir()
    if root is None:
        pytest.skip("corpus not found: put it at ../shared/corpus/xlsx-real beside the repo or set ADTOOLS_CORPUS")
    return root, manifest(root)


def outcome(raw) -> str:
    errors = [f for f in raw.findings if f.severity == ERROR]
    assert len(errors) == 1, [f.rule for f in raw.findings]
    return errors[0].rule


@pytest.mark.slow
def test_every_corpus_file_is_read_or_refused(corpus, cfg):
    root, rows = corpus
    assert len(rows) >= 300
    seen: Counter[str] = Counter()
    wrong, slow = [], []
    started = time.perf_counter()
    for name, row in sorted(rows.items()):
        t0 = time.perf_counter()
        raw = read_workbook(root / name, cfg)  # must not raise
        took = time.perf_counter() - t0
        rule = outcome(raw)
        assert raw.form_id is None, name
        seen[rule] += 1
        if rule not in expected(name, row):
            wrong.append((name, rule, raw.findings[0].message_en))
        if took > PER_FILE_SECONDS:
            slow.append((name, round(took, 2)))
        if "date1904" in row.get("features", "") and rule == READ:
            assert raw.date1904, name
        if rule == READ:
            assert raw.findings[0].message_zh.startswith("不是可识别的 adtools 表单")
    total = time.perf_counter() - started
    print(f"\ncorpus: {sum(seen.values())} files in {total:.1f} s: {dict(seen.most_common())}")
    assert not wrong, wrong
    assert not slow, slow
    assert total < TOTAL_SECONDS
    assert seen[READ] >= 250  # most real files are read (as "not one of our forms")


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_each_engine_alone_never_raises(corpus, cfg, engine):
    """Without the fallback, each engine either reads a file or its failure becomes a finding."""
    root, rows = corpus
    for name in sorted(rows):
        t0 = time.perf_counter()
        raw = read_workbook(root / name, cfg, engine=engine)
        rule = outcome(raw)
        assert rule == READ or rule in REFUSALS, (name, rule)
        assert time.perf_counter() - t0 < PER_FILE_SECONDS, name
