"""The payment gateway on Stripe (stripe-python's async ``StripeClient``): Connect Express
accounts, destination charges, refunds, saved cards and verified webhooks."""

from adapters.stripe.api_keys import KeyMode
from adapters.stripe.events import ACTED_ON
from adapters.stripe.gateway import StripeGateway

__all__ = ["ACTED_ON", "KeyMode", "StripeGateway"]
