"""Every use case, wired to one set of ports: what an entry point (HTTP, command line, tests)
calls. The composition root chooses the ports; this only connects them."""

from __future__ import annotations

from dataclasses import dataclass

from application.gateway import PaymentGateway
from application.idempotent_requests import IdempotentRequests
from application.onboarding_links import OnboardingLinks
from application.ports import (
    Clock,
    IdGenerator,
    NoTelemetry,
    SecretGenerator,
    Telemetry,
    TokenSigner,
    TokenUses,
    UnitOfWorkFactory,
)
from application.settings import ServiceSettings
from application.use_cases.authenticate_store import AuthenticateStore
from application.use_cases.change_payout_settings import ChangePayoutSettings
from application.use_cases.check_onboarding import CheckOnboarding
from application.use_cases.count_operations import CountOperations
from application.use_cases.create_customer_session import CreateCustomerSession
from application.use_cases.create_payment_intent import CreatePaymentIntent
from application.use_cases.create_store import CreateStore
from application.use_cases.get_balance import GetBalance
from application.use_cases.get_order import GetOrder
from application.use_cases.get_payment import GetPayment
from application.use_cases.get_store import GetStore
from application.use_cases.handle_gateway_event import HandleGatewayEvent
from application.use_cases.list_payment_methods import ListPaymentMethods
from application.use_cases.list_payments import ListPayments
from application.use_cases.preview_fee import PreviewFee
from application.use_cases.reconcile import Reconcile
from application.use_cases.refresh_onboarding_link import RefreshOnboardingLink
from application.use_cases.refund_payment import RefundPayment
from application.use_cases.register_order import RegisterOrder
from application.use_cases.remove_payment_method import RemovePaymentMethod
from application.use_cases.report_platform_fees import ReportPlatformFees
from application.use_cases.rotate_api_key import RotateApiKey
from application.use_cases.set_default_payment_method import SetDefaultPaymentMethod
from application.use_cases.set_fee_policy import SetFeePolicy
from application.use_cases.set_up_payments import SetUpPayments
from application.use_cases.show_checkout import ShowCheckout


@dataclass(frozen=True, slots=True)
class Ports:
    uow_factory: UnitOfWorkFactory
    gateway: PaymentGateway
    clock: Clock
    ids: IdGenerator
    secrets: SecretGenerator
    signer: TokenSigner
    settings: ServiceSettings
    token_uses: TokenUses
    telemetry: Telemetry = NoTelemetry()  # noqa: RUF009  (stateless: one can be shared)


class UseCases:
    def __init__(self, ports: Ports) -> None:
        uow, gateway, clock, ids = ports.uow_factory, ports.gateway, ports.clock, ports.ids
        links = OnboardingLinks(
            gateway, ports.signer, clock, ports.settings, ports.secrets, ports.token_uses
        )
        self.onboarding_links = links
        self.idempotent_requests = IdempotentRequests(uow, clock)
        # platform
        self.create_store = CreateStore(uow, clock, ids, ports.secrets, ports.settings)
        self.get_store = GetStore(uow)
        self.rotate_api_key = RotateApiKey(uow, ports.secrets)
        self.set_fee_policy = SetFeePolicy(uow)
        self.report_platform_fees = ReportPlatformFees(uow)
        # store back office
        self.authenticate_store = AuthenticateStore(uow)
        self.set_up_payments = SetUpPayments(uow, gateway, links, clock, ids)
        self.refresh_onboarding_link = RefreshOnboardingLink(uow, links)
        self.check_onboarding = CheckOnboarding(uow, gateway, links, clock, ids)
        self.change_payout_settings = ChangePayoutSettings(uow, gateway)
        self.register_order = RegisterOrder(uow, clock, ids)
        self.create_customer_session = CreateCustomerSession(uow, clock, ids, ports.signer)
        self.get_order = GetOrder(uow)
        self.list_payments = ListPayments(uow)
        self.get_payment = GetPayment(uow)
        self.refund_payment = RefundPayment(uow, gateway, clock, ids)
        self.get_balance = GetBalance(uow)
        self.list_payment_methods = ListPaymentMethods(uow, gateway, clock)
        self.set_default_payment_method = SetDefaultPaymentMethod(uow)
        self.remove_payment_method = RemovePaymentMethod(uow, gateway)
        # storefront
        self.preview_fee = PreviewFee(uow)
        self.create_payment_intent = CreatePaymentIntent(uow, gateway, clock, ids)
        self.show_checkout = ShowCheckout(uow, self.list_payment_methods, clock)
        # gateway
        self.handle_gateway_event = HandleGatewayEvent(uow, gateway, clock, ids, ports.telemetry)
        self.reconcile = Reconcile(
            uow, gateway, self.handle_gateway_event, clock, ids, ports.settings, ports.telemetry
        )
        # operations
        self.count_operations = CountOperations(uow)
