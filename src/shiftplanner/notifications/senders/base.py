"""What every sender takes and gives back: one message to one address, and the outcome."""

from __future__ import annotations

from dataclasses import dataclass

from shiftplanner.notifications.messages import Message

# Kept of an error or a response body: enough to tell what went wrong, bounded.
ERROR_EXCERPT_LENGTH = 500


@dataclass(frozen=True, slots=True)
class Outgoing:
    """`message` to `address`. `message_id` names the delivery (stable across its
    retries, so a receiver can drop duplicates); `secret` signs a webhook."""

    address: str
    message: Message
    message_id: str
    secret: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """Sent (`ok`) or not, the receiver's status code if it answered, and why it failed."""

    ok: bool
    status: int | None = None
    error: str | None = None
    # The start of the receiver's answer, and when it asked to be tried again (seconds).
    answer: str | None = None
    retry_after: float | None = None

    @classmethod
    def failed(
        cls,
        error: str,
        status: int | None = None,
        *,
        answer: str | None = None,
        retry_after: float | None = None,
    ) -> Outcome:
        return cls(
            ok=False, status=status, error=excerpt(error), answer=answer, retry_after=retry_after
        )


def excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= ERROR_EXCERPT_LENGTH else text[: ERROR_EXCERPT_LENGTH - 1] + "…"
