"""The message model: the e-mail it builds, the Outlook-safe HTML helpers and report subjects."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from email import message_from_bytes, policy
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

from adtools.config import config_from_dict
from adtools.errors import FileError, InputError
from adtools.mail import Message, TOKEN_HEADER
from adtools.reports.base import report_subject
from adtools.reports.html import Figure, figures_html, figures_text, html_document

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def weekly(tmp_path, **overrides):
    book = tmp_path / "周报 Weekly 2026-11-27.xlsx"
    book.write_bytes(b"PK\x03\x04" + bytes(range(256)))
    fields = dict(
        sender="account.haier@agency.example",
        to=["client.pm@client.example"],
        cc=["li.na@agency.example"],
        subject="【周报 Weekly】海尔冰箱 工作进展 截至 2026-11-27",
        html="<p>进行中 In progress: 12</p>",
        text="进行中 In progress: 12",
        attachments=[book],
    )
    fields.update(overrides)
    return Message(**fields), book


def test_the_email_is_text_and_html_alternatives_plus_the_workbook(tmp_path):
    message, book = weekly(tmp_path)

    data = message.to_email(token="0123abcd" * 4, date=NOW).as_bytes()
    msg = message_from_bytes(data, policy=policy.default)

    assert msg.get_content_type() == "multipart/mixed"
    alternative, attachment = msg.iter_parts()
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html"]
    assert msg["Subject"] == "【周报 Weekly】海尔冰箱 工作进展 截至 2026-11-27"
    assert (msg["From"], msg["To"], msg["Cc"]) == ("account.haier@agency.example", "client.pm@client.example", "li.na@agency.example")
    assert msg[TOKEN_HEADER] == "0123abcd" * 4
    assert msg["Message-ID"] == f"<adtools.{'0123abcd' * 4}@agency.example>"
    assert msg["Date"] == "Mon, 30 Nov 2026 09:00:00 +0800"
    assert msg.get_body(("html",)).get_content().strip() == "<p>进行中 In progress: 12</p>"
    assert attachment.get_filename() == "周报 Weekly 2026-11-27.xlsx"
    assert attachment.get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert attachment.get_content() == book.read_bytes()
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")  # CRLF throughout, as SMTP wants


@pytest.mark.parametrize(
    "overrides, words",
    [
        ({"to": []}, "no recipient"),
        ({"to": ["client.pm at client.example"]}, "not an e-mail address"),
        ({"sender": "account.haier"}, "not an e-mail address"),
        ({"subject": "周报\nBcc: x@evil.example"}, "one non-empty line"),
        ({"subject": "  "}, "one non-empty line"),
    ],
)
def test_a_message_that_cannot_be_sent_is_refused_when_built(tmp_path, overrides, words):
    with pytest.raises(InputError, match=words):
        weekly(tmp_path, **overrides)


def test_a_missing_attachment_is_named(tmp_path):
    message, book = weekly(tmp_path)
    book.unlink()
    with pytest.raises(FileError, match="周报 Weekly 2026-11-27.xlsx"):
        message.to_email(token="t" * 32, date=NOW)


def test_a_naive_date_is_refused(tmp_path):
    message, _ = weekly(tmp_path)
    with pytest.raises(InputError, match="time zone"):
        message.to_email(token="t" * 32, date=datetime(2026, 11, 30, 9, 0))


def test_report_subjects_name_report_product_and_period(tmp_path):
    cfg = config_from_dict({"client": {"product": "海尔冰箱"}}, base_dir=tmp_path)
    assert report_subject(cfg, "weekly", "2026-11-27") == "【周报 Weekly】海尔冰箱 工作进展 截至 2026-11-27"
    assert report_subject(cfg, "fees", "2026-11") == "【收费清单 Fees】海尔冰箱 收费清单 2026-11"
    assert report_subject(cfg, "fees", "2026-11", topic="收费清单 HRFR-2026-001") == "【收费清单 Fees】海尔冰箱 收费清单 HRFR-2026-001 2026-11"
    other = config_from_dict({"client": {"product": "卡萨帝冰箱"}}, base_dir=tmp_path)
    assert report_subject(other, "weekly", "2026-11-30") == "【周报 Weekly】卡萨帝冰箱 工作进展 截至 2026-11-30"
    with pytest.raises(InputError, match="the reports are weekly, weekly_internal, fees"):  # the registry's reports, named
        report_subject(cfg, "daily", "2026-11-30")


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_figures_table_is_outlook_safe_inline_styled_and_escaped():
    figures = [
        Figure("进行中的工作", "Jobs in progress", 1234),
        Figure("本月收费", "Fees this month", Decimal("12345.60"), "含税 incl. tax"),
        Figure("<script>alert(1)</script>", "A & B", "待确认 <pending>"),
    ]
    page = html_document("周报 <草稿>", "Weekly progress", figures_html(figures, caption_zh="要点", caption_en="Key figures"))
    parsed = _Cells()
    parsed.feed(page)

    assert "<style" not in page and "class=" not in page and "<div" not in page
    assert "<script>" not in page and "&lt;script&gt;" in page and "A &amp; B" in page and "周报 &lt;草稿&gt;" in page
    cells = [attrs for tag, attrs in parsed.tags if tag in ("td", "th")]
    assert cells and all("style" in attrs for attrs in cells)
    tables = [attrs for tag, attrs in parsed.tags if tag == "table"]
    assert all(a.get("cellpadding") == "0" and a.get("width") == "640" and "border-collapse:collapse" in a["style"] for a in tables)
    text = "".join(parsed.text)
    assert "1,234" in text and "12,345.60" in text and "项目 Item" in text and "数值 Value" in text
    assert "含税 incl. tax" in text


def test_figures_are_never_floats():
    with pytest.raises(TypeError, match="float"):
        figures_html([Figure("金额", "Amount", 0.1)])


def test_figures_text_gives_the_same_figures_one_a_line():
    text = figures_text([Figure("逾期", "Overdue", 2), Figure("本月收费", "Fees this month", "¥12,345.60", "含税")])
    assert text == "逾期 Overdue: 2\n本月收费 Fees this month: ¥12,345.60 (含税)"


def test_attachment_names_have_an_ascii_fallback(tmp_path):
    """RFC 2231 filename* for today's clients; Content-Type name in ASCII for those that cannot read it."""
    from email import message_from_bytes
    from email import policy as email_policy

    from adtools.mail.message import ascii_filename

    book = tmp_path / "周报_weekly_2026-11-20.xlsx"
    book.write_bytes(b"PK")
    msg = Message(sender="a@agency.example", to=("b@client.example",), subject="s", html="<p>x</p>", text="x",
                  attachments=(book,))
    raw = msg.to_email(token="t", date=datetime(2026, 11, 20, tzinfo=timezone.utc)).as_bytes()
    assert b"filename*=utf-8''%E5%91%A8%E6%8A%A5_weekly_2026-11-20.xlsx" in raw
    assert b'name="weekly_2026-11-20.xlsx"' in raw
    assert raw.isascii()
    (part,) = message_from_bytes(raw, policy=email_policy.default).iter_attachments()
    assert part.get_filename() == "周报_weekly_2026-11-20.xlsx" and part.get_param("name") == "weekly_2026-11-20.xlsx"
    assert [ascii_filename(n) for n in ("看板 Dashboard.xlsx", "反馈.xlsx", "Café menu.pdf", "a\"b;c.xlsx")] == [
        "Dashboard.xlsx", "attachment.xlsx", "Cafe menu.pdf", "a_b_c.xlsx"]
