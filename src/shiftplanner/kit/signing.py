"""Standard Webhooks signing (https://www.standardwebhooks.com): secrets in the
`whsec_` + base64 form, and the three headers a receiver verifies with any of the
specification's libraries."""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Sequence
from datetime import datetime

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)
# The specification asks for 24 to 64 random bytes.
SECRET_BYTES = (24, 64)


def new_secret() -> str:
    """A signing secret: `whsec_` and 24 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def secret_problem(secret: str) -> str | None:
    """Why `secret` is no Standard Webhooks secret, or None."""
    if not secret.startswith(SECRET_PREFIX):
        return f"must start with {SECRET_PREFIX} (leave it out to have one generated)"
    try:
        raw = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        return f"must be {SECRET_PREFIX} followed by base64"
    low, high = SECRET_BYTES
    if not low <= len(raw) <= high:
        return f"must carry {low} to {high} bytes of key (it carries {len(raw)})"
    return None


def headers(
    message_id: str, sent_at: datetime, body: str, signing_secrets: Sequence[str]
) -> dict[str, str]:
    """The headers of one attempt: signed by every secret given (during a rotation the
    new and the old one, space-separated, so a receiver with either accepts it)."""
    signatures = " ".join(
        Webhook(secret).sign(message_id, sent_at, body) for secret in signing_secrets
    )
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signatures,
    }
