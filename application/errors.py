"""Refusals of the use cases, each with the stable ``code`` the API reports."""

from __future__ import annotations

from domain.errors import DomainError


class NotFound(DomainError):
    """Absent, or someone else's: the answer never tells which."""

    code = "not_found"


class Unauthorized(DomainError):
    code = "unauthorized"


class PaymentsNotEnabled(DomainError):
    code = "payments_not_enabled"


class AmountMismatch(DomainError):
    code = "amount_mismatch"


class CurrencyMismatchWithOrder(DomainError):
    code = "currency_mismatch"


class CustomerMismatch(DomainError):
    code = "customer_mismatch"


class OrderAlreadyPaid(DomainError):
    code = "order_already_paid"


class OrderReferenceConflict(DomainError):
    code = "order_reference_conflict"


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"


class IdempotencyRequestInProgress(DomainError):
    code = "idempotency_request_in_progress"


class InvalidOnboardingToken(DomainError):
    code = "invalid_onboarding_token"


class PaymentsNotSetUp(DomainError):
    code = "payments_not_set_up"


class InvalidMetadata(DomainError):
    code = "invalid_metadata"


class InvalidRefund(DomainError):
    code = "invalid_refund"


class InvalidPage(DomainError):
    code = "invalid_page"


class UnknownGatewayObject(DomainError):
    """The gateway speaks of a payment or account not (yet) recorded here."""

    code = "unknown_gateway_object"


class CustomerSessionInvalid(DomainError):
    """A customer session that is unknown, expired, used, or for another order or store."""

    code = "customer_session_invalid"


class CustomerSessionRequired(DomainError):
    """What only the shopper may do (save a card, use the shopper's saved cards) was asked
    without a customer session."""

    code = "customer_session_required"
