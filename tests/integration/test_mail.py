"""Outage mail against a real SMTP server on loopback: STARTTLS or implicit TLS with a
certificate from a throwaway CA, a required login, outages of the server, refusals."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from collector.alerting.notifications import AffectedSite, EventKind, Notification
from collector.config import CollectorConfig, parse_config_text
from collector.mail import MailError, MailErrorKind, MailOutbox, MailStatus, SmtpSender, render
from tests.support.collector_app import running_app
from tests.support.collector_process import free_port
from tests.support.mail_outbox import mail_outbox
from tests.support.metrics import scrape, value
from tests.support.smtp_server import PASSWORD, USERNAME, SmtpServer
from tests.support.tls import TestPki, make_pki
from tests.support.waiting import async_wait_until

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[2]
T0 = 1764392700.0
DISKOMINFO = "Dinas Komunikasi, Informatika, Statistik dan Persandian"
CUT = Notification(
    EventKind.DOWN, T0 + 90, "diskominfo", DISKOMINFO, link="fo", started_at=T0,
    loss_before=0.2, rtt_before=0.0123, outage_id=7,
    affected=(AffectedSite("diskominfo", DISKOMINFO, "down"),
              AffectedSite("bappeda", "Badan Perencanaan Pembangunan Daerah", "unreachable")))


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def server(pki: TestPki):
    with SmtpServer(pki) as running:
        yield running


def config_text(port: int, ca_file: Path | None, *, security: str = "starttls",
                password: str = PASSWORD, language: str = "id", data_dir: Path | None = None,
                listen_port: int | None = None, timeout: str = "5s",
                data_timeout: str = "10m") -> str:
    ca = f", ca_file: {ca_file}" if ca_file else ""
    return f"""
collector: {{data_dir: "{data_dir or '/nonexistent'}", listen: "127.0.0.1:{listen_port or 9147}"}}
mail:
  enabled: true
  smtp: {{host: 127.0.0.1, port: {port}, security: {security}, username: {USERNAME},
         password: "{password}", timeout: {timeout}, data_timeout: {data_timeout}{ca}}}
  from: pantau@kominfo.example.org
  language: {language}
  groups:
    central: [noc@kominfo.example.org]
    opd: [it@bappeda.example.org]
  retry: {{first: 100ms, max: 400ms}}
sites:
  - name: diskominfo
    links: [{{name: fo, kind: fiber, targets: [127.0.0.1]}}]
  - name: bappeda
    notify: [opd]
    links: [{{name: fo, kind: fiber, parent: diskominfo, targets: [127.0.0.2]}}]
"""


def config(port: int, ca_file: Path | None, **options: Any) -> CollectorConfig:
    return parse_config_text(config_text(port, ca_file, **options), "collector.yml")


def send(config: CollectorConfig, notification: Notification = CUT) -> None:
    mail = render([notification], config)
    assert mail is not None
    asyncio.run(SmtpSender(config.mail.smtp).send(mail))


def failure(config: CollectorConfig) -> MailError:
    with pytest.raises(MailError) as caught:
        send(config)
    return caught.value


@pytest.mark.parametrize(("language", "subject"), [
    ("id", "[Pantau] PUTUS: diskominfo (2 lokasi terdampak)"),
    ("en", "[Pantau] DOWN: diskominfo (2 sites affected)"),
])
def test_a_rendered_mail_arrives_over_starttls_after_login(
        server: SmtpServer, pki: TestPki, language: str, subject: str) -> None:
    settings = config(server.port, pki.ca_file, language=language)
    mail = render([CUT], settings)
    assert mail is not None
    asyncio.run(SmtpSender(settings.mail.smtp).send(mail))
    (received,) = server.wait_for(1)
    assert received.encrypted and received.login == USERNAME
    assert received.mail_from == "pantau@kominfo.example.org"
    assert received.rcpt_tos == ("noc@kominfo.example.org", "it@bappeda.example.org")
    message = received.message
    assert message["Subject"] == subject
    assert message["Message-ID"] == mail.message_id
    assert message["X-Pantau-Event"] == "down"
    assert message["X-Pantau-Sites"] == "diskominfo, bappeda"
    assert message["X-Pantau-Outage"] == "7"
    plain = message.get_body(("plain",))
    # On the wire lines end in CRLF.
    assert plain is not None and plain.get_content().replace("\r\n", "\n") == mail.text


def test_wrong_password_is_an_auth_error(server: SmtpServer, pki: TestPki) -> None:
    error = failure(config(server.port, pki.ca_file, password="salah"))
    assert error.kind is MailErrorKind.AUTH and not error.permanent
    assert "535" in error.detail
    assert server.received == []


@pytest.mark.parametrize("trust", ["other-ca", "system-store"])
def test_a_certificate_not_from_a_trusted_ca_is_a_tls_error(
        server: SmtpServer, pki: TestPki, trust: str) -> None:
    error = failure(config(server.port, pki.other_ca_file if trust == "other-ca" else None))
    assert error.kind is MailErrorKind.TLS
    assert "certificate" in error.detail
    assert server.received == []


def test_a_server_without_starttls_is_refused_before_the_password_is_sent(pki: TestPki) -> None:
    with SmtpServer(pki, offer_tls=False) as plain:
        error = failure(config(plain.port, pki.ca_file))
        assert error.kind is MailErrorKind.TLS and "STARTTLS" in error.detail
        assert plain.received == []


def test_implicit_tls_port(pki: TestPki) -> None:
    with SmtpServer(pki, implicit_tls=True) as smtps:
        send(config(smtps.port, pki.ca_file, security="tls"))
        (received,) = smtps.wait_for(1)
        assert received.encrypted and received.login == USERNAME


def test_a_closed_port_is_a_connect_error(pki: TestPki) -> None:
    error = failure(config(free_port(), pki.ca_file))
    assert error.kind is MailErrorKind.CONNECT and "refused" in error.detail


def outbox_for(server: SmtpServer, pki: TestPki, path: Path, **options: Any,
               ) -> tuple[MailOutbox, CollectorConfig]:
    settings = config(server.port, pki.ca_file, **options)
    return mail_outbox(path, SmtpSender(settings.mail.smtp), settings.mail), settings


def mails(settings: CollectorConfig, count: int, first: int = 0) -> list:
    found = [render([Notification(EventKind.REBOOT, T0 + i, "bappeda", "Bappeda",
                                  device=f"router-{i}")], settings)
             for i in range(first, first + count)]
    assert all(mail is not None for mail in found)
    return found


def test_mails_wait_while_the_server_is_down_and_arrive_once_when_it_is_back(
        server: SmtpServer, pki: TestPki, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="collector.notify")
    outbox, settings = outbox_for(server, pki, tmp_path / "outbox.sqlite3")
    waiting = mails(settings, 3)

    async def test() -> None:
        server.stop()
        await outbox.start()
        for mail in waiting:
            await outbox.enqueue(mail)
        await async_wait_until(lambda: outbox.stats().failures[MailErrorKind.CONNECT] >= 3,
                               timeout=10, what="three failed attempts")
        assert outbox.pending() == 3
        server.start()
        await async_wait_until(lambda: outbox.pending() == 0, timeout=10, what="an empty outbox")
        await async_wait_until(lambda: len(server.received) == 3, timeout=5, what="3 mails")
        assert {outbox.status(mail.message_id) for mail in waiting} == {MailStatus.SENT}
        await outbox.stop()

    asyncio.run(test())
    assert sorted(r.message["Message-ID"] for r in server.received) == sorted(
        mail.message_id for mail in waiting)
    assert server.data_commands == 3
    logged = [r.getMessage() for r in caplog.records if r.name == "collector.notify.outbox"]
    assert len([line for line in logged if "mail (" in line and "cannot take messages" in line
                ]) == 1
    assert len([line for line in logged if "mail (" in line and "takes messages again" in line
                ]) == 1


def test_a_restarted_outbox_sends_what_was_pending_and_nothing_twice(
        server: SmtpServer, pki: TestPki, tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite3"
    first, settings = outbox_for(server, pki, path)
    sent_before, *pending = mails(settings, 3)

    async def before_restart() -> None:
        await first.start()
        await first.enqueue(sent_before)
        await async_wait_until(lambda: first.stats().sent == 1, timeout=10, what="a sent mail")
        server.stop()
        for mail in pending:
            await first.enqueue(mail)
        await async_wait_until(lambda: sum(first.stats().failures.values()) >= 1, timeout=10,
                               what="a failed attempt")
        await first.stop()

    async def after_restart() -> None:
        second, _ = outbox_for(server, pki, path)
        await second.start()
        await async_wait_until(lambda: second.pending() == 0, timeout=10, what="empty outbox")
        await second.stop()

    asyncio.run(before_restart())
    server.start()
    asyncio.run(after_restart())
    ids = [r.message["Message-ID"] for r in server.received]
    assert ids == [sent_before.message_id, *(mail.message_id for mail in pending)]


def test_a_permanent_refusal_is_kept_as_failed_counted_and_not_retried(
        server: SmtpServer, pki: TestPki, tmp_path: Path) -> None:
    outbox, settings = outbox_for(server, pki, tmp_path / "outbox.sqlite3")
    refused, later = mails(settings, 2)

    async def test() -> None:
        await outbox.start()
        server.reject = "554 5.7.1 Message refused by policy"
        await outbox.enqueue(refused)
        await async_wait_until(lambda: outbox.stats().failed == 1, timeout=10, what="failed")
        server.reject = None
        # Each pass of the sender goes over every pending mail: had the refused one stayed
        # pending, it would be tried again on the way to this one.
        await outbox.enqueue(later)
        await async_wait_until(lambda: outbox.stats().sent == 1, timeout=10, what="sent")
        assert outbox.status(refused.message_id) is MailStatus.FAILED
        stats = outbox.stats()
        assert stats.failures[MailErrorKind.REJECTED] == 1 and stats.pending == 0
        await outbox.stop()

    asyncio.run(test())
    assert server.data_commands == 2
    assert [r.message["Message-ID"] for r in server.received] == [later.message_id]


def test_a_temporary_refusal_is_retried_until_taken(server: SmtpServer, pki: TestPki,
                                                    tmp_path: Path) -> None:
    outbox, settings = outbox_for(server, pki, tmp_path / "outbox.sqlite3")
    (greylisted,) = mails(settings, 1)

    async def test() -> None:
        await outbox.start()
        server.reject = "451 4.7.1 Greylisted, try again later"
        await outbox.enqueue(greylisted)
        await async_wait_until(lambda: outbox.stats().failures[MailErrorKind.REJECTED] >= 2,
                               timeout=10, what="two refusals")
        server.reject = None
        await async_wait_until(lambda: outbox.stats().sent == 1, timeout=10, what="sent")
        await outbox.stop()

    asyncio.run(test())
    assert [r.message["Message-ID"] for r in server.received] == [greylisted.message_id]


def collector_test_email(config_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "collector", "test-email", "-c",
                           str(config_path), *args], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)


def test_test_email_command_sends_one_mail_and_says_to_whom(
        server: SmtpServer, pki: TestPki, tmp_path: Path) -> None:
    path = tmp_path / "collector.yml"
    path.write_text(config_text(server.port, pki.ca_file))
    done = collector_test_email(path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (f"test mail sent through 127.0.0.1:{server.port} (starttls) "
                                   "to noc@kominfo.example.org")
    path.write_text(config_text(server.port, pki.ca_file, language="en"))
    done = collector_test_email(path, "--to", "kepala@kominfo.example.org")
    assert done.returncode == 0, done.stderr
    first, second = server.wait_for(2)
    assert (first.message["Subject"], first.rcpt_tos) == (
        "[Pantau] Surat uji", ("noc@kominfo.example.org",))
    assert (second.message["Subject"], second.rcpt_tos) == (
        "[Pantau] Test mail", ("kepala@kominfo.example.org",))


def test_test_email_command_names_the_failure_and_exits_1(pki: TestPki, tmp_path: Path) -> None:
    port = free_port()
    path = tmp_path / "collector.yml"
    path.write_text(config_text(port, pki.ca_file))
    done = collector_test_email(path)
    assert done.returncode == 1
    assert done.stderr.startswith(f"test mail NOT sent through 127.0.0.1:{port} (starttls): "
                                  "connect: ")
    assert done.stdout == ""


def test_the_collector_mails_what_the_engine_notifies_and_counts_it(
        server: SmtpServer, pki: TestPki, tmp_path: Path) -> None:
    settings = config(server.port, pki.ca_file, data_dir=tmp_path, listen_port=free_port())

    async def test() -> None:
        async with running_app(settings) as app:
            await app.notify([CUT])
            expected = render([CUT], settings)
            assert expected is not None
            await async_wait_until(
                lambda: any(r.message["Message-ID"] == expected.message_id
                            for r in server.received), timeout=10, what="the outage mail")
            text = await asyncio.to_thread(scrape, f"http://127.0.0.1:{app.http.port}/metrics")
            assert value(text, "pantau_mail_sent_total") >= 1
            assert value(text, "pantau_mail_outbox_pending") == 0
            assert value(text, "pantau_mail_send_failures_total", kind="auth") == 0
            assert value(text, "pantau_mail_last_sent_timestamp_seconds") > T0

    asyncio.run(test())
    assert (tmp_path / "outbox.sqlite3").exists()


def test_a_mail_waiting_in_an_earlier_versions_outbox_goes_out_once_after_the_upgrade(
        server: SmtpServer, pki: TestPki, tmp_path: Path) -> None:
    import sqlite3

    from tests.unit.test_mail_legacy import OLD_SCHEMA

    settings = config(server.port, pki.ca_file, data_dir=tmp_path, listen_port=free_port())
    waiting = render([CUT], settings)
    assert waiting is not None
    db = sqlite3.connect(tmp_path / "mail.sqlite3")
    db.executescript(OLD_SCHEMA)
    db.execute("INSERT INTO mails (message_id, mail, status, created_at) VALUES (?, ?, ?, ?)",
               (waiting.message_id, waiting.to_json(), "pending", T0))
    db.commit()
    db.close()

    async def test() -> None:
        async with running_app(settings) as app:
            await async_wait_until(lambda: app.outbox.stats().sent == 1, timeout=10,
                                   what="the waiting mail sent")
            await app.notify([CUT])  # the engine telling the same events again
            await async_wait_until(lambda: app.outbox.pending() == 0, timeout=10,
                                   what="nothing waiting")

    asyncio.run(test())
    assert [r.message["Message-ID"] for r in server.received] == [waiting.message_id]
    assert (tmp_path / "mail.sqlite3.moved").exists()


@contextlib.asynccontextmanager
async def collector_checking(server: SmtpServer, pki: TestPki, data_dir: Path, handler,
                             service: str, tls: bool = False):
    """A real web server on loopback (``handler`` answers GET /), and the real collector
    checking it as ``service`` of bappeda (``{port}`` and ``{scheme}`` filled in)."""
    from aiohttp import web

    from tests.support.web_app import serve_app, server_context

    web_app = web.Application()
    web_app.router.add_get("/", handler)
    runner, port = await serve_app(
        web_app, server_context(pki.cert_file, pki.key_file) if tls else None)
    text = config_text(server.port, pki.ca_file, data_dir=data_dir, listen_port=free_port(),
                       language="en") + (
        "    services: [" + service.format(port=port, scheme="https" if tls else "http") + "]\n"
        "alerting: {group_window: 500ms, recovery_hold: 500ms}\n"
        "icmp: {interval: 500ms, jitter: 0s, echoes: 1, echo_interval: 10ms, timeout: 200ms}\n")
    try:
        async with running_app(parse_config_text(text, "collector.yml")) as app:
            yield app
    finally:
        await runner.cleanup()


def test_a_failing_service_is_one_mail_and_its_recovery_another(
        server: SmtpServer, pki: TestPki, tmp_path: Path) -> None:
    """The real collector checks a real web server on loopback that answers 500 for a while."""
    from aiohttp import web

    failing = {"now": False}

    async def page(request: web.Request) -> web.Response:
        return web.Response(status=500 if failing["now"] else 200, text="SIMPEG")

    mark = len(server.received)

    def events() -> list[str]:
        return [r.message["X-Pantau-Event"] for r in server.received[mark:]]

    async def test() -> None:
        service = ('{{kind: http, name: simpeg, title: SIMPEG, url: "{scheme}://127.0.0.1:{port}/",'
                   " interval: 300ms, timeout: 200ms, down_after: 2, up_after: 2}}")
        async with collector_checking(server, pki, tmp_path, page, service) as app:
            services = app.context.services
            assert services is not None
            record = services.services[("bappeda", "simpeg")]
            await async_wait_until(lambda: record.state.value == "up", timeout=10,
                                   what="the service up")
            failing["now"] = True
            await async_wait_until(lambda: "service_down" in events(), timeout=10,
                                   what="the service_down mail")
            failing["now"] = False
            await async_wait_until(lambda: "service_recovered" in events(), timeout=10,
                                   what="the service_recovered mail")
            checks = record.checks
            await async_wait_until(lambda: record.checks >= checks + 5, timeout=10,
                                   what="five more checks")

    asyncio.run(test())
    assert events() == ["service_down", "service_recovered"]
    down = server.received[mark].message
    assert down["Subject"] == "[Pantau] SERVICE DOWN: SIMPEG (bappeda) — HTTP 500"
    assert down["X-Pantau-Services"] == "bappeda/simpeg"
    # The recipients of the site's mails get it: central and the site's group.
    assert set(server.received[mark].rcpt_tos) == {"noc@kominfo.example.org",
                                                   "it@bappeda.example.org"}


def test_a_certificate_two_days_from_expiry_is_one_warning_mail(
        server: SmtpServer, pki: TestPki, tmp_path: Path) -> None:
    """The real collector checks a real HTTPS server whose certificate (from the test CA)
    expires in two days: one warning, not one per check."""
    from aiohttp import web

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="PPID")

    mark = len(server.received)
    state: list[str] = []

    def events() -> list[str]:
        return [r.message["X-Pantau-Event"] for r in server.received[mark:]]

    async def test() -> None:
        service = ('{{kind: http, name: ppid, title: PPID, url: "{scheme}://127.0.0.1:{port}/",'
                   f' ca_file: "{pki.ca_file}", interval: 300ms, timeout: 250ms}}}}')
        async with collector_checking(server, pki, tmp_path, page, service, tls=True) as app:
            services = app.context.services
            assert services is not None
            record = services.services[("bappeda", "ppid")]
            await async_wait_until(lambda: "cert_expiring" in events(), timeout=10,
                                   what="the certificate warning")
            checks = record.checks
            await async_wait_until(lambda: record.checks >= checks + 5, timeout=10,
                                   what="five more checks")
            state.append(record.state.value)

    asyncio.run(test())
    assert events() == ["cert_expiring"]
    subject = server.received[mark].message["Subject"]
    assert subject.startswith("[Pantau] CERTIFICATE EXPIRING: PPID (bappeda) — 1 d ")
    assert state == ["degraded"]  # within warn_days (30)


def sent_ids(server: SmtpServer) -> list[str]:
    return [str(r.message["Message-ID"]) for r in server.received]


def deliver_all(outbox: MailOutbox, waiting: list) -> Any:
    """Enqueue ``waiting``, wait until every one is marked sent in the file, and give the
    mail channel's figures."""
    async def test() -> Any:
        await outbox.start()
        for mail in waiting:
            await outbox.enqueue(mail)
        await async_wait_until(
            lambda: {outbox.status(mail.message_id) for mail in waiting} == {MailStatus.SENT},
            timeout=20, what="every mail marked sent")
        await outbox.stop()
        return outbox.box.stats()["mail"]

    return asyncio.run(test())


def test_a_mail_whose_answer_never_came_is_sent_once_more_with_the_same_message_id(
        server: SmtpServer, pki: TestPki, tmp_path: Path) -> None:
    """The server keeps each mail and drops the connection before answering its data, the
    first time: the fate of each sending is unknown, so each mail goes once more, and only
    once (the second sending is answered)."""
    outbox, settings = outbox_for(server, pki, tmp_path / "outbox.sqlite3")
    waiting = mails(settings, 4)
    server.drop = "first"
    stats = deliver_all(outbox, waiting)
    assert (stats.unknown, stats.unconfirmed) == (4, 0)
    assert sorted(sent_ids(server)) == sorted(mail.message_id for mail in waiting for _ in "12")


def test_a_mail_never_answered_goes_twice_at_most_and_is_kept_as_unconfirmed(
        server: SmtpServer, pki: TestPki, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "outbox.sqlite3"
    outbox, settings = outbox_for(server, pki, path)
    waiting = mails(settings, 4)
    server.drop = "always"
    stats = deliver_all(outbox, waiting)
    assert (stats.unknown, stats.unconfirmed) == (8, 4)
    assert sorted(sent_ids(server)) == sorted(mail.message_id for mail in waiting for _ in "12")
    assert server.data_commands == 8
    text = [r.getMessage() for r in caplog.records if "not sent a third time" in r.getMessage()]
    assert len(text) == 4
    # Kept as sent in the file: a restarted outbox sends none of them a third time.
    again, _ = outbox_for(server, pki, path)
    assert deliver_all(again, waiting).sent == 0
    assert server.data_commands == 8


def test_a_slow_answer_to_the_data_is_waited_for_and_the_mail_sent_once(
        server: SmtpServer, pki: TestPki, tmp_path: Path) -> None:
    """The server answers each mail's data 1.5 s late: longer than the step timeout (0.5 s),
    within the data timeout (5 s)."""
    outbox, settings = outbox_for(server, pki, tmp_path / "outbox.sqlite3", timeout="500ms",
                                  data_timeout="5s")
    waiting = mails(settings, 2)
    server.reply_delay = 1.5
    stats = deliver_all(outbox, waiting)
    assert (stats.sent, stats.unknown) == (2, 0)
    assert sorted(sent_ids(server)) == sorted(mail.message_id for mail in waiting)


def test_an_answer_later_than_the_data_timeout_is_an_unknown_fate(
        server: SmtpServer, pki: TestPki, tmp_path: Path) -> None:
    outbox, settings = outbox_for(server, pki, tmp_path / "outbox.sqlite3", timeout="500ms",
                                  data_timeout="700ms")
    waiting = mails(settings, 1)
    server.reply_delay = 1.5
    stats = deliver_all(outbox, waiting)
    assert (stats.unknown, stats.unconfirmed) == (2, 1)
    assert sent_ids(server) == [waiting[0].message_id] * 2


def test_a_sent_mail_whose_status_cannot_be_written_is_not_sent_again(
        server: SmtpServer, pki: TestPki, tmp_path: Path) -> None:
    """Another process locks the outbox's file while the server is answering: the mark
    "sent" waits in memory, and the mail is not sent a second time meanwhile."""
    path = tmp_path / "outbox.sqlite3"
    outbox, settings = outbox_for(server, pki, path)
    (mail,) = mails(settings, 1)
    server.reply_delay = 1.0

    async def test() -> None:
        await outbox.start()
        await outbox.enqueue(mail)
        await async_wait_until(lambda: server.data_commands == 1, timeout=10, what="DATA")
        locker = subprocess.Popen(
            [sys.executable, "-c", LOCK_SCRIPT, str(path)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True)
        try:
            assert locker.stdout is not None
            assert locker.stdout.readline().strip() == "locked"
            stats = outbox.box.stats()["mail"]
            await async_wait_until(lambda: stats.unmarked_failures >= 2, timeout=30,
                                   what="failed writes of the mark")
            assert outbox.status(mail.message_id) is MailStatus.PENDING
        finally:
            locker.communicate("\n", timeout=10)
        await async_wait_until(lambda: outbox.status(mail.message_id) is MailStatus.SENT,
                               timeout=20, what="the mark written")
        await outbox.stop()

    asyncio.run(test())
    assert sent_ids(server) == [mail.message_id]


LOCK_SCRIPT = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
db.execute("ROLLBACK")
"""
