"""Workspaces, child flushes and delivery counts for the mail trials (kill, concurrency, outage).

A trial workspace is a folder with a config.toml for one transport, a ledger with messages
queued, and the durable state of the fake servers: the file transport's outbox folder, a
real aiosmtpd server run by the test process, and the fake EWS and Graph mailboxes
(exchangelib's and requests' real code against `responses` at the HTTP layer), which run
inside the child but save what they received to files after every change, as a server
commits it, so it outlives a killed child.

`flush_child` is what a child process runs: it sets up the fakes, then the real command
`adtools mail flush --json` (the click group, in the child).  The children come from a
`forkserver` (POSIX; `spawn` on Windows) that has imported adtools once, so thirty-odd
trials cost seconds, not a Python start-up each.
"""
from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import sys
import threading
import time
from collections import Counter
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from adtools.config import load_config
from adtools.ledger.db import migrate, open_engine
from adtools.mail import MailKey, Message, list_messages, queue
from tests._ledger_support import CONFIG_TOML

SENDER = "account.haier@agency.example"
TRANSPORTS = ("file", "smtp", "exchange", "graph")
TOKEN = "X-Adtools-Token"


# --------------------------------------------------------------------------- workspaces
def write_workspace(root: Path, transport: str, smtp_port: int = 0, *, max_attempts: int = 6,
                    retry_base_seconds: int = 60, max_wait_seconds: int = 0) -> Path:
    """A workspace for one transport; the config.toml path."""
    from tests.test_mail_exchange import EP, USER
    from tests.test_mail_graph import CLIENT, GLOBAL, TENANT

    root.mkdir(parents=True, exist_ok=True)
    (root / "inbox").mkdir(exist_ok=True)
    cfg = root / "config.toml"
    paths = CONFIG_TOML[: CONFIG_TOML.index("[intake]")]
    cfg.write_text(
        paths + f'''
[mail]
transport = "{transport}"
sender = "{SENDER}"
admins = ["it@agency.example"]
max_attempts = {max_attempts}
retry_base_seconds = {retry_base_seconds}

[mail.smtp]
host = "127.0.0.1"
port = {smtp_port or 25}
starttls = false
timeout_seconds = 10

[mail.exchange]
service_endpoint = "{EP}"
username = '{USER}'
auth = "ntlm"
version = "Exchange2016"
max_wait_seconds = {max_wait_seconds}

[mail.graph]
tenant_id = "{TENANT}"
client_id = "{CLIENT}"
authority = "{GLOBAL[0]}"
graph_endpoint = "{GLOBAL[1]}"
max_wait_seconds = {max_wait_seconds}
''',
        encoding="utf-8",
    )
    return cfg


def queue_messages(cfg_path: Path, n: int, now: Any) -> list[tuple[int, str]]:
    """`n` reports queued (each with a small workbook): their (id, token)."""
    cfg = load_config(cfg_path)
    engine = open_engine(cfg.ledger_url)
    migrate(engine)
    book = cfg_path.parent / "周报 Weekly.xlsx"
    book.write_bytes(bytes(range(256)) * 16 + "周报".encode())
    out = []
    for i in range(n):
        period = f"2026-W{40 + i}"
        message = Message(sender=SENDER, to=(f"pm{i}@client.example",), cc=("li.na@agency.example",),
                          subject=f"【周报 Weekly】海尔冰箱 {period}", html=f"<p>第 {i} 份 Report {i}</p>",
                          text=f"第 {i} 份 Report {i}", attachments=(book,))
        queued = queue(cfg, engine, message, MailKey.of("weekly", period, message.recipients), now=now)
        out.append(queued.id)
    engine.dispose()
    return [(e.id, e.token) for e in outbox(cfg_path) if e.id in out]


def outbox(cfg_path: Path):
    cfg = load_config(cfg_path)
    engine = open_engine(cfg.ledger_url)
    try:
        return list_messages(cfg, engine, limit=None)
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- the SMTP server (in the test process)
class SmtpSink:
    """A real SMTP server on 127.0.0.1 that keeps the token of every message it accepted."""

    def __init__(self, latency: float = 0.0):
        from aiosmtpd.controller import Controller

        self.tokens: list[str] = []
        self.latency = latency
        self.answers: list[str] = []  # scripted replies to DATA (e.g. "451 ...") before the normal 250
        self._lock = threading.Lock()
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=port)
        self.port = port

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201
        import asyncio

        if self.latency:
            await asyncio.sleep(self.latency)
        if self.answers:
            return self.answers.pop(0)
        msg = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self._lock:
            self.tokens.append(str(msg[TOKEN]))
        return "250 Message accepted for delivery"

    def __enter__(self) -> "SmtpSink":
        self.controller.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.controller.stop()


# --------------------------------------------------------------------------- deliveries
class DurableList(list):
    """A list whose appends are written (and flushed) to a file at once: the fake EWS's Sent Items."""

    def __init__(self, path: Path):
        self.path = path
        super().__init__(line for line in _lines(path))

    def append(self, item: str) -> None:
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(item + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        super().append(item)

    def __contains__(self, item: object) -> bool:  # what another process appended counts too
        return item in _lines(self.path)


def _lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [x for x in path.read_text(encoding="utf-8").splitlines() if len(x) == 32]  # a half-written line is not one


def delivered(transport: str, root: Path, sink: SmtpSink | None = None) -> Counter:
    """How many times each token was delivered, from the server's durable record."""
    if transport == "file":
        tokens = []
        for p in (root / "var" / "outbox").glob("*.eml"):
            tokens.append(str(message_from_bytes(p.read_bytes(), policy=policy.default)[TOKEN]))
        return Counter(tokens)
    if transport == "smtp":
        return Counter(sink.tokens)
    if transport == "exchange":
        return Counter(_lines(root / "ews-sent.txt"))
    state_file = root / "graph.json"
    if not state_file.exists():
        return Counter()
    state = json.loads(state_file.read_text())
    return Counter(state["drafts"][i]["internetMessageHeaders"][0]["value"] for i in state["sent_ids"])


# --------------------------------------------------------------------------- the child
def _slowed(fn, latency: float):
    def slow(*args, **kwargs):
        time.sleep(latency)
        return fn(*args, **kwargs)

    return slow


def flush_child(transport: str, cfg_path: str, now: str, started, latency: float = 0.0) -> None:
    """Run `adtools mail flush --json` in this (child) process against the transport's fake server."""
    import responses

    root = Path(cfg_path).parent
    os.environ["ADTOOLS_NOW"] = now
    with contextlib.ExitStack() as stack:
        log = stack.enter_context((root / "child.log").open("a", encoding="utf-8"))
        stack.enter_context(contextlib.redirect_stdout(log))
        stack.enter_context(contextlib.redirect_stderr(log))
        if transport == "graph":
            from tests.test_mail_graph import GLOBAL, SECRET, FakeGraph

            os.environ["ADTOOLS_GRAPH_SECRET"] = SECRET
            FakeGraph.mailbox_call = _slowed(FakeGraph.mailbox_call, latency)
            rsps = stack.enter_context(responses.RequestsMock(assert_all_requests_are_fired=False))
            FakeGraph(rsps, *GLOBAL, state_file=root / "graph.json")
        elif transport == "exchange":
            import requests_ntlm

            from tests.test_mail_exchange import PASSWORD, FakeEws

            users = root / "ntlm-users.txt"
            users.write_text(f"AGENCY:svc-adtools:{PASSWORD}\n", encoding="utf-8")
            os.environ["NTLM_USER_FILE"] = str(users)
            os.environ["ADTOOLS_EXCHANGE_PASSWORD"] = PASSWORD
            requests_ntlm.HttpNtlmAuth._get_server_cert = lambda self, response: None  # no TLS under `responses`
            FakeEws.__call__ = _slowed(FakeEws.__call__, latency)
            rsps = stack.enter_context(responses.RequestsMock(assert_all_requests_are_fired=False))
            ews = FakeEws(rsps)
            ews.sent_tokens = DurableList(root / "ews-sent.txt")
        from adtools.cli import main

        started.set()
        try:
            main(["--config", cfg_path, "mail", "flush", "--json"], standalone_mode=False)
        except SystemExit:
            pass
        log.flush()


def context() -> multiprocessing.context.BaseContext:
    """Children that start fast: a forkserver with adtools imported (POSIX), else spawn (Windows)."""
    if sys.platform == "win32" or "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["tests._mail_trials", "adtools.cli", "adtools.mail.outbox", "adtools.mail.graph",
                                "adtools.mail.exchange", "adtools.mail.smtp", "tests.test_mail_graph",
                                "tests.test_mail_exchange", "responses"])
    return ctx


def start_flush(ctx, transport: str, cfg_path: Path, now: str, *, latency: float = 0.0, timeout: float = 120.0):
    """A child flush, returned once it has started the command (its imports and fakes ready)."""
    started = ctx.Event()
    proc = ctx.Process(target=flush_child, args=(transport, str(cfg_path), now, started, latency))
    proc.start()
    if not started.wait(timeout):
        proc.kill()
        raise AssertionError(f"the {transport} child never started its flush")
    return proc


def finish(proc, transport: str, cfg_path: Path, timeout: float = 120.0) -> None:
    proc.join(timeout)
    if proc.is_alive():
        proc.kill()
        raise AssertionError(f"the {transport} flush did not end within {timeout} s")
    if proc.exitcode != 0:
        raise AssertionError(f"the {transport} child failed ({proc.exitcode}): see {cfg_path.parent / 'child.log'}")


def run_flush(ctx, transport: str, cfg_path: Path, now: str, *, kill_after: float | None = None,
              latency: float = 0.0, timeout: float = 120.0) -> tuple[bool, float]:
    """One child flush; with `kill_after`, killed (SIGKILL, TerminateProcess on Windows) that long after it
    started the command. Returns (killed while running, seconds from the command's start to its end or kill)."""
    proc = start_flush(ctx, transport, cfg_path, now, latency=latency, timeout=timeout)
    t0 = time.monotonic()
    if kill_after is not None:
        proc.join(kill_after)
        if proc.is_alive():
            proc.kill()  # SIGKILL on POSIX
            proc.join(timeout)
            return True, time.monotonic() - t0
    finish(proc, transport, cfg_path, timeout)
    return False, time.monotonic() - t0
