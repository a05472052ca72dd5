"""E-mail to the team when a hand-off ticket is created (``ASSISTANT_SMTP_URL``).

The message carries the ticket number, the (redacted) question and a link to
the inbox, never the person's contact details: those stay in the database,
behind the agents' login.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from assistant.db.models import Ticket
    from assistant.settings import Settings

log = logging.getLogger(__name__)


def notice(ticket: Ticket, settings: Settings) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = f"[Assistant Plan IA] Nouvelle demande de conseiller n° {ticket.id}"
    msg["From"] = settings.smtp_from
    msg["To"] = settings.handoff_email
    msg.set_content(
        f"Une personne demande à parler à un conseiller (ticket n° {ticket.id}, "
        f"source : {ticket.source}, langue : {ticket.lang}).\n\n"
        f"Dernière question : {ticket.question or '(aucune)'}\n"
        f"Coordonnées laissées : {'oui' if ticket.contact_email or ticket.contact_phone else 'non'}\n\n"
        f"Ouvrir le ticket : /agent/inbox/{ticket.id}\n"
    )
    return msg


def send_ticket_notice(ticket: Ticket, settings: Settings, timeout: float = 10.0) -> bool:
    """Send the notice; False (and a warning in the log) when it could not be sent."""
    if not settings.smtp_url or not settings.handoff_email:
        return False
    url = urlsplit(settings.smtp_url)
    port = url.port or (465 if url.scheme == "smtps" else 25)
    try:
        factory = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
        with factory(url.hostname or "localhost", port, timeout=timeout) as smtp:
            if url.scheme == "smtp+starttls":
                smtp.starttls()
            if url.username:
                smtp.login(unquote(url.username), unquote(url.password or ""))
            smtp.send_message(notice(ticket, settings))
        return True
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("hand-off notice for ticket %s not sent: %s", ticket.id, exc)
        return False
