"""The email outbox against a real SMTP server (aiosmtpd): delivery, HTML, auth, retries, races."""

from __future__ import annotations

import asyncio
import logging
import socket
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlmodel import select

from wayvo_app.core.errors import BadRequestError
from wayvo_app.mail import outbox
from wayvo_app.mail.outbox import claim_due, deliver_due, enqueue_email, mark_failed, mark_sent
from wayvo_app.settings import reset_settings
from wayvo_app.store import db
from wayvo_app.store.models import EmailMessage

# The auth test's server accepts AUTH without TLS on purpose (localhost only).
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
SENDER = "Wayvo Tests <wf@example.com>"
LOGIN, PASSWORD = "mailer@example.com", "p@ss:w/rd%&é-secret"


class Collector:
    """An aiosmtpd handler keeping every accepted message."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(SimpleNamespace(mail_from=envelope.mail_from, rcpt=list(envelope.rcpt_tos),
                                             msg=parsed))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, **kwargs) -> SimpleNamespace:
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10, **kwargs)
    controller.start()
    return SimpleNamespace(handler=handler, controller=controller, port=port,
                           url=f"smtp://127.0.0.1:{port}")


@pytest.fixture
def smtp_server():
    server = start_server(free_port())
    yield server
    server.controller.stop()


def accept_one_login(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == LOGIN.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def auth_smtp_server():
    server = start_server(free_port(), authenticator=accept_one_login, auth_required=True,
                          auth_require_tls=False)
    yield server
    server.controller.stop()


def enqueue(db_url, count=1, **kwargs) -> list[EmailMessage]:
    fields = {"to": "ann@example.com", "subject": "Hello", "body": "Hi Ann"} | kwargs
    with db.session(db_url) as s:
        return [enqueue_email(s, **fields) for _ in range(count)]


def rows(db_url) -> list[EmailMessage]:
    with db.read_session(db_url) as s:
        return list(s.exec(select(EmailMessage).order_by(EmailMessage.created_at)).all())


async def test_enqueued_message_reaches_the_server(db_url, smtp_server):
    (row,) = enqueue(db_url, to="ann@example.com", subject="Order 42 shipped", body="Your order is on its way.")
    assert row.message_id.startswith("<") and row.message_id.endswith("@wayvo>")
    report = await deliver_due(smtp_url=smtp_server.url, smtp_from=SENDER, now=T0)
    assert report == outbox.DeliveryReport(sent=1, failed=0, waiting=0)
    (got,) = smtp_server.handler.messages
    assert got.mail_from == "wf@example.com" and got.rcpt == ["ann@example.com"]
    assert got.msg["Subject"] == "Order 42 shipped"
    assert got.msg["From"] == SENDER and got.msg["To"] == "ann@example.com"
    assert got.msg["Message-ID"] == row.message_id
    assert got.msg.get_content().strip() == "Your order is on its way."
    (stored,) = rows(db_url)
    assert stored.status == "sent" and stored.sent_at == T0 and stored.attempts == 0


async def test_html_message_has_a_plain_text_alternative(db_url, smtp_server):
    enqueue(db_url, body="<h1>Welcome</h1><p>Hello <b>Ann</b> &amp; team</p>", html=True)
    await deliver_due(smtp_url=smtp_server.url, smtp_from=SENDER, now=T0)
    msg = smtp_server.handler.messages[0].msg
    assert msg.get_content_type() == "multipart/alternative"
    assert msg.get_body(("plain",)).get_content().replace("\r\n", "\n").strip() == "Welcome\n\nHello Ann & team"
    assert "<b>Ann</b>" in msg.get_body(("html",)).get_content()


async def test_login_from_the_url_and_the_password_never_logged(db_url, auth_smtp_server, caplog):
    caplog.set_level(logging.DEBUG)
    enqueue(db_url, count=2)
    host = f"127.0.0.1:{auth_smtp_server.port}"
    wrong = "wrong-secret-4711"
    bad = await deliver_due(smtp_url=f"smtp://{quote(LOGIN, safe='')}:{wrong}@{host}", now=T0, limit=1)
    assert bad.failed == 1 and bad.sent == 0
    good_url = f"smtp://{quote(LOGIN, safe='')}:{quote(PASSWORD, safe='')}@{host}"
    good = await deliver_due(smtp_url=good_url, smtp_from=SENDER, now=T0)
    assert good.sent == 1 and len(auth_smtp_server.handler.messages) == 1
    failed_row = next(r for r in rows(db_url) if r.attempts == 1)
    assert failed_row.last_error and "Authentication" in failed_row.last_error
    secrets = [PASSWORD, quote(PASSWORD, safe=""), wrong]
    for record in caplog.records:
        text = record.getMessage()
        assert not any(secret in text for secret in secrets), text
    assert not any(secret in (failed_row.last_error or "") for secret in secrets)
    assert PASSWORD not in repr(outbox.parse_smtp_url(good_url))


async def test_a_server_that_is_down_gets_the_message_later(db_url):
    port = free_port()
    enqueue(db_url)
    report = await deliver_due(smtp_url=f"smtp://127.0.0.1:{port}", smtp_from=SENDER, now=T0)
    assert report == outbox.DeliveryReport(sent=0, failed=1, waiting=1)
    (row,) = rows(db_url)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at == T0 + timedelta(seconds=30) and row.last_error
    server = start_server(port)
    try:
        early = await deliver_due(smtp_url=server.url, smtp_from=SENDER, now=T0 + timedelta(seconds=20))
        assert early == outbox.DeliveryReport(sent=0, failed=0, waiting=1)
        later = await deliver_due(smtp_url=server.url, smtp_from=SENDER, now=T0 + timedelta(seconds=31))
        assert later.sent == 1 and len(server.handler.messages) == 1
    finally:
        server.controller.stop()
    (row,) = rows(db_url)
    assert row.status == "sent" and row.attempts == 1


async def test_an_unreachable_server_fails_the_whole_batch_at_once(db_url):
    enqueue(db_url, count=3)
    report = await deliver_due(smtp_url=f"smtp://127.0.0.1:{free_port()}", now=T0)
    assert report == outbox.DeliveryReport(sent=0, failed=3, waiting=3)
    assert {(r.status, r.attempts, r.next_attempt_at) for r in rows(db_url)} == {
        ("pending", 1, T0 + timedelta(seconds=30))}


async def test_gives_up_after_ten_attempts_with_growing_delays(db_url):
    enqueue(db_url)
    down = f"smtp://127.0.0.1:{free_port()}"
    now, delays = T0, []
    for _ in range(10):
        await deliver_due(smtp_url=down, now=now)
        (row,) = rows(db_url)
        delays.append((row.next_attempt_at - now).total_seconds())
        now = row.next_attempt_at
    assert delays[:8] == [30, 60, 120, 240, 480, 960, 1920, 3600]
    assert (row.status, row.attempts) == ("failed", 10) and "Connect" in row.last_error
    assert (await deliver_due(smtp_url=down, now=now + timedelta(days=1))).failed == 0


async def test_without_smtp_nothing_is_sent_or_lost_and_the_log_says_so_once(
        db_url, smtp_server, monkeypatch, caplog):
    monkeypatch.delenv("SMTP_URL", raising=False)
    reset_settings()
    monkeypatch.setattr(outbox, "_warned", set())
    caplog.set_level(logging.INFO, logger="wayvo.outbox")
    enqueue(db_url, count=2)
    first = await deliver_due(now=T0)
    second = await deliver_due(now=T0 + timedelta(hours=1))
    assert first == second == outbox.DeliveryReport(sent=0, failed=0, waiting=2)
    assert smtp_server.handler.messages == []
    assert [(r.status, r.attempts) for r in rows(db_url)] == [("pending", 0), ("pending", 0)]
    lines = [r.getMessage() for r in caplog.records if r.name == "wayvo.outbox"]
    assert lines == ["2 email message(s) wait in the outbox because SMTP_URL is not set"]


async def test_concurrent_deliveries_never_send_a_message_twice(db_url, smtp_server):
    queued = enqueue(db_url, count=24)
    for _ in range(10):
        reports = await asyncio.gather(*(deliver_due(smtp_url=smtp_server.url, smtp_from=SENDER,
                                                     now=T0, limit=5) for _ in range(4)))
        if reports[-1].waiting == 0 and all(r.waiting == 0 for r in reports):
            break
    received = [got.msg["Message-ID"] for got in smtp_server.handler.messages]
    assert sorted(received) == sorted(row.message_id for row in queued)
    assert {r.status for r in rows(db_url)} == {"sent"}


def test_a_claim_holds_a_lease_and_fences_a_stale_worker(db_url):
    enqueue(db_url)
    (first,) = claim_due(T0, 10, db_url)
    assert claim_due(T0, 10, db_url) == []
    assert claim_due(T0 + timedelta(seconds=59), 10, db_url) == []
    (second,) = claim_due(T0 + timedelta(seconds=61), 10, db_url)
    mark_failed(first, "stale worker", T0, db_url)  # lost its lease: no effect
    (row,) = rows(db_url)
    assert (row.status, row.attempts, row.last_error) == ("pending", 0, None)
    mark_sent(second, T0 + timedelta(seconds=62), db_url)
    assert rows(db_url)[0].status == "sent"


@pytest.mark.parametrize("address", ["no-at-sign", "a@b@example.com", "ann smith@example.com",
                                     "ann@example.com\r\nBcc: evil@example.com", "@example.com", ""])
def test_enqueue_rejects_bad_addresses(db_url, address):
    with pytest.raises(BadRequestError, match="Invalid email address"):
        enqueue(db_url, to=address)
    assert rows(db_url) == []


def test_enqueue_rejects_header_injection_in_the_subject(db_url):
    with pytest.raises(BadRequestError, match="line break"):
        enqueue(db_url, subject="Hi\r\nBcc: evil@example.com")
    assert rows(db_url) == []


@pytest.mark.parametrize(("url", "expected"), [
    ("smtp://mail.example.com", ("mail.example.com", 25, None, None, False, None)),
    ("smtps://u%40x.com:p%3Aw%40d@mail.example.com", ("mail.example.com", 465, "u@x.com", "p:w@d", True, False)),
    ("smtp+starttls://user:pw@mail.example.com:2525", ("mail.example.com", 2525, "user", "pw", False, True)),
])
def test_parse_smtp_url(url, expected):
    s = outbox.parse_smtp_url(url)
    assert (s.host, s.port, s.username, s.password, s.use_tls, s.start_tls) == expected


@pytest.mark.parametrize("url", ["http://mail.example.com", "smtp://", "smtp://host:notaport"])
def test_parse_smtp_url_rejects_bad_urls(url):
    with pytest.raises(ValueError, match="SMTP_URL"):
        outbox.parse_smtp_url(url)


@pytest.mark.postgres_only  # SQLite has one writer at a time: there is nothing to skip there
def test_postgres_claim_skips_rows_another_worker_holds(db_url, backend):
    held, free = enqueue(db_url, count=2)
    with db.session(db_url) as other_worker:
        other_worker.exec(select(EmailMessage).where(EmailMessage.id == held.id).with_for_update()).one()
        claimed = claim_due(T0, 10, db_url)  # does not wait for the lock
    assert [row.id for row in claimed] == [free.id]
