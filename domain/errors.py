"""Errors the domain raises, each with a stable snake_case ``code``.

The code is part of the public contract: the HTTP layer turns it into the ``code`` member of a
problem document, so a code, once shipped, never changes meaning.
"""

from __future__ import annotations


class DomainError(Exception):
    """A business rule said no. ``code`` is stable; ``message`` is for people."""

    code = "domain_error"
    field: str | None = None  # the request field at fault, when one is

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownCurrency(DomainError):
    code = "unknown_currency"
    field = "currency"


class UnsupportedCurrency(DomainError):
    """An ISO 4217 currency the payment gateway does not take card payments in."""

    code = "unsupported_currency"
    field = "currency"


class CurrencyMismatch(DomainError):
    code = "currency_mismatch"


class InvalidAmount(DomainError):
    code = "invalid_amount"


class AmountTooLarge(InvalidAmount):
    code = "amount_too_large"


class AmountTooSmall(InvalidAmount):
    code = "amount_too_small"


class InvalidRate(DomainError):
    code = "invalid_rate"


class InvalidFeePolicy(DomainError):
    code = "invalid_fee_policy"


class InvalidPayoutSettings(DomainError):
    code = "invalid_payout_settings"


class InvalidEmail(DomainError):
    code = "invalid_email"


class InvalidStore(DomainError):
    code = "invalid_store"


class InvalidOrder(DomainError):
    code = "invalid_order"


class StoreCurrencyMismatch(DomainError):
    """Money in another currency than the store's: its fees, balance and payouts are in its own."""

    code = "store_currency_mismatch"
    field = "currency"


class IllegalTransition(DomainError):
    code = "illegal_transition"


class PaymentNotRefundable(DomainError):
    code = "payment_not_refundable"


class RefundExceedsRemaining(DomainError):
    code = "refund_exceeds_remaining"


class DuplicateRefund(DomainError):
    code = "duplicate_refund"


class UnknownPaymentMethod(DomainError):
    code = "unknown_payment_method"


class UnknownRefund(DomainError):
    code = "unknown_refund"


class ConflictingObservation(DomainError):
    """The gateway reported something that contradicts what it reported before."""

    code = "conflicting_observation"
