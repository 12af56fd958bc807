"""The email outbox: messages are enqueued in the caller's transaction and delivered over SMTP
by `deliver_due`, which claims due rows safely across workers and retries failures with backoff.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage as MimeMessage
from email.utils import formatdate, parseaddr
from html.parser import HTMLParser
from urllib.parse import quote, unquote, urlsplit

import aiosmtplib
from sqlalchemy import func, update
from sqlmodel import Session, select

from wayvo_app.core.errors import BadRequestError
from wayvo_app.settings import get_settings
from wayvo_app.store import db
from wayvo_app.store.models import EmailMessage, utcnow

log = logging.getLogger("wayvo.outbox")

LEASE = timedelta(seconds=60)
# Stop starting sends this long before the lease ends, so no other worker can claim a row we send.
LEASE_MARGIN = 20.0
SMTP_TIMEOUT = 15.0
MAX_ATTEMPTS = 10
FIRST_RETRY = 30.0
MAX_RETRY = 3600.0
_SCHEMES = {"smtp": (25, False, None), "smtps": (465, True, False), "smtp+starttls": (587, False, True)}
_warned: set[str] = set()
_BREAKS = dict.fromkeys(("br", "li", "tr", "div"), "\n") | dict.fromkeys(("p", "h1", "h2", "h3"), "\n\n")


@dataclass(frozen=True)
class DeliveryReport:
    """One delivery run: messages sent, sends that failed (retried or given up), pending rows left."""

    sent: int = 0
    failed: int = 0
    waiting: int = 0


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to send: parsed from SMTP_URL (the password never shows in repr)."""

    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    use_tls: bool = False
    start_tls: bool | None = None


def check_address(address: str) -> str:
    """The address stripped, or BadRequestError: one `@`, no whitespace, no CR/LF."""
    value = (address or "").strip()
    if (value.count("@") != 1 or value.startswith("@") or value.endswith("@")
            or any(ch.isspace() for ch in value) or len(value) > 320):
        raise BadRequestError(f'Invalid email address: expected name@domain, found "{value[:320]}"')
    return value


def check_subject(subject: str) -> str:
    """The subject, or BadRequestError when it holds CR/LF (header injection) or is too long."""
    if "\r" in subject or "\n" in subject:
        raise BadRequestError("Invalid email subject: it must be one line, found a line break")
    if len(subject) > 500:
        raise BadRequestError(f"Invalid email subject: at most 500 characters, found {len(subject)}")
    return subject


def enqueue_email(session: Session, *, to: str, subject: str, body: str, html: bool = False,
                  execution_id: str | None = None,
                  approval_request_id: str | None = None) -> EmailMessage:
    """Add one message to the outbox in `session`'s transaction; its Message-ID is fixed now."""
    row = EmailMessage(
        to_address=check_address(to), subject=check_subject(subject), body=body or "",
        html=bool(html), execution_id=execution_id, approval_request_id=approval_request_id,
        message_id=f"<{uuid.uuid4()}@wayvo>")
    session.add(row)
    session.flush()
    return row


def parse_smtp_url(url: str) -> SmtpServer:
    """`smtp://`, `smtps://` (implicit TLS) or `smtp+starttls://` with optional user:pass@host:port."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise ValueError(f"SMTP_URL must start with smtp://, smtps:// or smtp+starttls://, found {scheme}://")
    default_port, use_tls, start_tls = _SCHEMES[scheme]
    try:
        port = parts.port or default_port
    except ValueError:
        raise ValueError("SMTP_URL has an invalid port") from None
    if not parts.hostname:
        raise ValueError("SMTP_URL has no host")
    return SmtpServer(
        host=parts.hostname, port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        use_tls=use_tls, start_tls=start_tls,
    )


def retry_delay(attempts: int) -> float:
    """Seconds before the next try after `attempts` failures: 30 s, 1 m, 2 m ... at most 1 h."""
    return min(FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 20), MAX_RETRY)


def build_message(row: EmailMessage, smtp_from: str) -> MimeMessage:
    """The MIME message: plain text, or HTML with a plain-text alternative."""
    msg = MimeMessage()
    msg["From"] = smtp_from
    msg["To"] = row.to_address
    msg["Subject"] = row.subject
    msg["Message-ID"] = row.message_id
    msg["Date"] = formatdate(usegmt=True)
    if row.html:
        msg.set_content(html_to_text(row.body))
        msg.add_alternative(row.body, subtype="html")
    else:
        msg.set_content(row.body)
    return msg


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML document, with line breaks at block tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style")
        self.parts.append(_BREAKS.get(tag, ""))

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style") and self.skip > 0

    def handle_data(self, data):
        self.parts.append("" if self.skip else re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """A readable plain-text rendering of an HTML body, for the text alternative."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "\n".join(line.strip() for line in "".join(parser.parts).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


async def deliver_due(*, smtp_url: str | None = None, smtp_from: str | None = None,
                      now: datetime | None = None, limit: int = 50,
                      url: str | None = None) -> DeliveryReport:
    """Send up to `limit` due messages; with no SMTP_URL nothing is sent and nothing is lost."""
    settings = get_settings()
    smtp_url = smtp_url if smtp_url is not None else settings.smtp_url
    now = now or utcnow()
    server, problem = _server(smtp_url)
    if server is None:
        waiting = await asyncio.to_thread(count_pending, url)
        _warn_once(problem, waiting)
        return DeliveryReport(waiting=waiting)
    claimed = await asyncio.to_thread(claim_due, now, limit, url)
    sender = smtp_from or settings.smtp_from
    sent, failed = await _send_batch(server, sender, claimed, now, url) if claimed else (0, 0)
    return DeliveryReport(sent=sent, failed=failed, waiting=await asyncio.to_thread(count_pending, url))


def _server(smtp_url: str | None) -> tuple[SmtpServer | None, str]:
    if not smtp_url:
        return None, "SMTP_URL is not set"
    try:
        return parse_smtp_url(smtp_url), ""
    except ValueError as exc:
        return None, f"SMTP_URL is invalid ({exc})"


def _warn_once(reason: str, waiting: int) -> None:
    """Say once per process (per reason) that messages wait, instead of at every wake-up."""
    if waiting and reason not in _warned:
        _warned.add(reason)
        log.warning("%d email message(s) wait in the outbox because %s", waiting, reason)


def count_pending(url: str | None = None) -> int:
    with db.read_session(url) as s:
        return s.exec(select(func.count()).select_from(EmailMessage)
                      .where(EmailMessage.status == "pending")).one()


def claim_due(now: datetime, limit: int, url: str | None = None) -> list[EmailMessage]:
    """Take due pending rows by moving their next try past a lease, in one short transaction;
    the returned (detached) rows hold that lease end in `next_attempt_at`, the claim's fence."""
    stmt = (select(EmailMessage)
            .where(EmailMessage.status == "pending", EmailMessage.next_attempt_at <= now)
            .order_by(EmailMessage.next_attempt_at, EmailMessage.id)
            .limit(max(limit, 1)).with_for_update(skip_locked=True))
    with db.session(url) as s:
        rows = list(s.exec(stmt).all())
        for row in rows:
            row.next_attempt_at = now + LEASE
            row.message_id = row.message_id or f"<{row.id}@wayvo>"
    return rows


async def _send_batch(server: SmtpServer, smtp_from: str, claimed: list[EmailMessage],
                      now: datetime, url: str | None) -> tuple[int, int]:
    """Send over one connection; a server that cannot be reached fails the rest of the batch."""
    started, sent, failed = time.monotonic(), 0, 0
    client: aiosmtplib.SMTP | None = None
    try:
        for index, item in enumerate(claimed):
            if time.monotonic() - started > LEASE.total_seconds() - LEASE_MARGIN:
                break  # the rest stay leased and are tried again once the lease ends
            if client is None:
                try:
                    client = await _connect(server)
                except Exception as exc:  # noqa: BLE001 - any failure is retried later
                    error = _scrub(exc, server)
                    for rest in claimed[index:]:
                        await asyncio.to_thread(mark_failed, rest, error, now, url)
                    return sent, failed + len(claimed) - index
            try:
                await client.send_message(build_message(item, smtp_from),
                                          sender=parseaddr(smtp_from)[1], recipients=[item.to_address])
            except Exception as exc:  # noqa: BLE001 - any failure is retried later
                failed += 1
                client = await _drop(client)
                await asyncio.to_thread(mark_failed, item, _scrub(exc, server), now, url)
            else:
                sent += 1
                await asyncio.to_thread(mark_sent, item, now, url)
    finally:
        await _drop(client)
    return sent, failed


async def _connect(server: SmtpServer) -> aiosmtplib.SMTP:
    log.debug("Connecting to SMTP %s:%d as %s", server.host, server.port, server.username or "(no login)")
    client = aiosmtplib.SMTP(hostname=server.host, port=server.port, username=server.username,
                             password=server.password, use_tls=server.use_tls,
                             start_tls=server.start_tls, timeout=SMTP_TIMEOUT)
    await client.connect()
    return client


async def _drop(client: aiosmtplib.SMTP | None) -> None:
    if client is not None and client.is_connected:
        try:
            await client.quit()
        except Exception:  # noqa: BLE001 - the connection is going away anyway
            client.close()


def _scrub(exc: Exception, server: SmtpServer) -> str:
    text = f"{type(exc).__name__}: {exc}"
    if server.password:
        for secret in {server.password, quote(server.password, safe="")}:
            text = text.replace(secret, "******")
    return text[:2000]


def _fenced(item: EmailMessage):
    """An update of this row that applies only while our claim still holds."""
    return update(EmailMessage).where(EmailMessage.id == item.id, EmailMessage.status == "pending",
                                      EmailMessage.next_attempt_at == item.next_attempt_at)


def mark_sent(item: EmailMessage, now: datetime, url: str | None = None) -> None:
    with db.session(url) as s:
        s.exec(_fenced(item).values(status="sent", sent_at=now, last_error=None))
    log.info("Email %s sent to %s", item.message_id, item.to_address)


def mark_failed(item: EmailMessage, error: str, now: datetime, url: str | None = None) -> None:
    """Count the failure; schedule the next try with backoff, or give up after MAX_ATTEMPTS."""
    attempts = item.attempts + 1
    values: dict = {"attempts": attempts, "last_error": error}
    if attempts >= MAX_ATTEMPTS:
        values["status"] = "failed"
    else:
        values["next_attempt_at"] = now + timedelta(seconds=retry_delay(attempts))
    with db.session(url) as s:
        s.exec(_fenced(item).values(**values))
    log.warning("Email %s to %s failed (attempt %d of %d): %s", item.message_id, item.to_address,
                attempts, MAX_ATTEMPTS, error)
