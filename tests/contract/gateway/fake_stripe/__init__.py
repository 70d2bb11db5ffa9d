"""A fake Stripe API in process, for the Stripe adapter's contract tests (see ``transport``)."""

from .transport import API_BASE, FakeStripe, Interruption, Sent

__all__ = ["API_BASE", "FakeStripe", "Interruption", "Sent"]
