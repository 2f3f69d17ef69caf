"""Email over SMTP (aiosmtplib): plain text, one recipient a message."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from shiftplanner.config import Settings, SmtpSecurity
from shiftplanner.notifications.senders.base import Outcome, Outgoing


def compose(settings: Settings, outgoing: Outgoing) -> EmailMessage:
    message = outgoing.message
    email = EmailMessage()
    email["From"] = settings.smtp_from
    email["To"] = outgoing.address
    email["Subject"] = message.subject
    email["Message-ID"] = f"<{outgoing.message_id}@shiftplanner>"
    text = message.text
    if message.link and message.link not in text:
        text = f"{text}\n\n{message.link}"
    email.set_content(text)
    return email


async def send(settings: Settings, outgoing: Outgoing) -> Outcome:
    if not settings.smtp_host:
        return Outcome.failed("Email is not configured: set SHIFTPLANNER_SMTP_HOST.")
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    try:
        await aiosmtplib.send(
            compose(settings, outgoing),
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            use_tls=settings.smtp_security is SmtpSecurity.TLS,
            start_tls=settings.smtp_security is SmtpSecurity.STARTTLS,
            username=settings.smtp_username,
            password=password,
            timeout=settings.notification_timeout_seconds,
        )
    except aiosmtplib.SMTPResponseException as error:
        return Outcome.failed(f"SMTP {error.code}: {error.message}", status=error.code)
    except (aiosmtplib.SMTPException, OSError) as error:
        return Outcome.failed(f"SMTP: {error}" if str(error) else f"SMTP: {error!r}")
    return Outcome(ok=True, status=250)
