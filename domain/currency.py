"""ISO 4217 currencies as the payment gateway counts them.

``exponent`` is the number of decimal places in the gateway's minor unit: an amount of ``1999``
EUR is 19.99, ``1000`` JPY is 1000 and ``1500`` KWD is 1.500. It follows Stripe where Stripe
departs from ISO 4217, because every amount in this service travels to and from Stripe unchanged:

- zero-decimal currencies are sent as whole units (MGA, whose ISO exponent is 2, is one of them);
- three-decimal currencies are charged in multiples of 10 minor units;
- ISK stays two-decimal in the API but is charged in whole krónur (multiples of 100);
- HUF and TWD are paid out in whole units (multiples of 100).

Every ISO 4217 code is known (so that what was once stored can always be read), but money enters
the service only in a currency Stripe takes card payments in: ``Currency.for_payments``. Fund
codes (CLF, UYW, BOV...) and currencies Stripe does not present are refused there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.errors import UnknownCurrency, UnsupportedCurrency

STRIPE_ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA"}
    | {"PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}
)
STRIPE_THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})

# The largest amount Stripe accepts in one charge: eight digits of minor units.
MAXIMUM_CHARGE_MINOR_UNITS = 99_999_999

_ISO_4217_EXPONENTS = """
AED 2 AFN 2 ALL 2 AMD 2 ANG 2 AOA 2 ARS 2 AUD 2 AWG 2 AZN 2 BAM 2 BBD 2 BDT 2 BGN 2 BHD 3 BIF 0
BMD 2 BND 2 BOB 2 BOV 2 BRL 2 BSD 2 BTN 2 BWP 2 BYN 2 BZD 2 CAD 2 CDF 2 CHE 2 CHF 2 CHW 2 CLF 4
CLP 0 CNY 2 COP 2 COU 2 CRC 2 CUP 2 CVE 2 CZK 2 DJF 0 DKK 2 DOP 2 DZD 2 EGP 2 ERN 2 ETB 2 EUR 2
FJD 2 FKP 2 GBP 2 GEL 2 GHS 2 GIP 2 GMD 2 GNF 0 GTQ 2 GYD 2 HKD 2 HNL 2 HTG 2 HUF 2 IDR 2 ILS 2
INR 2 IQD 3 IRR 2 ISK 0 JMD 2 JOD 3 JPY 0 KES 2 KGS 2 KHR 2 KMF 0 KPW 2 KRW 0 KWD 3 KYD 2 KZT 2
LAK 2 LBP 2 LKR 2 LRD 2 LSL 2 LYD 3 MAD 2 MDL 2 MGA 2 MKD 2 MMK 2 MNT 2 MOP 2 MRU 2 MUR 2 MVR 2
MWK 2 MXN 2 MXV 2 MYR 2 MZN 2 NAD 2 NGN 2 NIO 2 NOK 2 NPR 2 NZD 2 OMR 3 PAB 2 PEN 2 PGK 2 PHP 2
PKR 2 PLN 2 PYG 0 QAR 2 RON 2 RSD 2 RUB 2 RWF 0 SAR 2 SBD 2 SCR 2 SDG 2 SEK 2 SGD 2 SHP 2 SLE 2
SOS 2 SRD 2 SSP 2 STN 2 SVC 2 SYP 2 SZL 2 THB 2 TJS 2 TMT 2 TND 3 TOP 2 TRY 2 TTD 2 TWD 2 TZS 2
UAH 2 UGX 0 USD 2 USN 2 UYI 0 UYU 2 UYW 4 UZS 2 VED 2 VES 2 VND 0 VUV 0 WST 2 XAF 0 XCD 2 XCG 2
XOF 0 XPF 0 YER 2 ZAR 2 ZMW 2 ZWG 2
"""

# The currencies Stripe presents card payments in (docs.stripe.com/currencies, "Supported
# presentment currencies", with its three-decimal currencies), as far as ISO 4217 still lists
# them (Stripe's STD is ISO's retired code for STN, which Stripe does not take).
_STRIPE_PRESENTMENT = """
    USD AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BWP
    BYN BZD CAD CDF CHF CLP CNY COP CRC CVE CZK DJF DKK DOP DZD EGP ETB EUR FJD FKP GBP GEL GIP
    GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR ISK JMD JOD JPY KES KGS KHR KMF KRW KWD KYD KZT
    LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR
    NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SEK SGD SHP SLE SOS SRD
    SZL THB TJS TND TOP TRY TTD TWD TZS UAH UGX UYU UZS VND VUV WST XAF XCD XCG XOF XPF YER ZAR
    ZMW
"""
STRIPE_PRESENTMENT_CURRENCIES = frozenset(_STRIPE_PRESENTMENT.split())

# Stripe's smallest charge in the currencies it publishes a minimum for, in minor units.
_STRIPE_MINIMUM_CHARGES = {
    "USD": 50, "AED": 200, "AUD": 50, "BGN": 100, "BRL": 50, "CAD": 50, "CHF": 50, "CZK": 1500,
    "DKK": 250, "EUR": 50, "GBP": 30, "HKD": 400, "HUF": 17500, "INR": 50, "JPY": 50, "MXN": 1000,
    "MYR": 200, "NOK": 300, "NZD": 50, "PLN": 200, "RON": 200, "SEK": 300, "SGD": 50, "THB": 1000,
}  # fmt: skip

_CODE = re.compile(r"[A-Za-z]{3}")
_WHOLE_UNIT_CHARGES = frozenset({"ISK"})
_WHOLE_UNIT_PAYOUTS = frozenset({"HUF", "ISK", "TWD"})


@dataclass(frozen=True, slots=True)
class Currency:
    """A currency and the rules the gateway applies to its amounts."""

    code: str
    exponent: int
    iso_exponent: int
    charge_step: int = 1
    payout_step: int = 1
    minimum_charge: int = 1

    @classmethod
    def of(cls, code: str) -> Currency:
        """The currency for an ISO 4217 code, in any letter case."""
        if not isinstance(code, str) or not _CODE.fullmatch(code):
            raise UnknownCurrency(f"a currency code is three letters, not {code!r}")
        try:
            return _CURRENCIES[code.upper()]
        except KeyError:
            raise UnknownCurrency(f"unknown currency code {code!r}") from None

    @classmethod
    def for_payments(cls, code: str) -> Currency:
        """The currency for a code money may be asked in: one Stripe takes card payments in."""
        currency = cls.of(code)
        if not currency.takes_card_payments:
            raise UnsupportedCurrency(
                f"{currency.code} is not a currency card payments can be taken in; use one of "
                "Stripe's presentment currencies (for example EUR, USD, GBP or JPY)"
            )
        return currency

    @property
    def takes_card_payments(self) -> bool:
        return self.code in STRIPE_PRESENTMENT_CURRENCIES

    @property
    def minor_units_per_major(self) -> int:
        return int(10**self.exponent)

    def __str__(self) -> str:
        return self.code


def _build_currency(code: str, iso_exponent: int) -> Currency:
    exponent = iso_exponent
    charge_step = 1
    if code in STRIPE_ZERO_DECIMAL:
        exponent = 0
    elif code in STRIPE_THREE_DECIMAL:
        exponent = 3
        charge_step = 10
    elif code == "ISK":
        exponent = 2
    if code in _WHOLE_UNIT_CHARGES:
        charge_step = 10**exponent
    payout_step = 10**exponent if code in _WHOLE_UNIT_PAYOUTS else 1
    return Currency(
        code=code,
        exponent=exponent,
        iso_exponent=iso_exponent,
        charge_step=charge_step,
        payout_step=payout_step,
        minimum_charge=max(_STRIPE_MINIMUM_CHARGES.get(code, 1), charge_step),
    )


def _parse_table(table: str) -> dict[str, Currency]:
    fields = table.split()
    pairs = zip(fields[0::2], fields[1::2], strict=True)
    return {code: _build_currency(code, int(exponent)) for code, exponent in pairs}


_CURRENCIES = _parse_table(_ISO_4217_EXPONENTS)


def all_currencies() -> tuple[Currency, ...]:
    return tuple(_CURRENCIES.values())
