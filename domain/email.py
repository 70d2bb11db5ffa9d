"""E-mail addresses: the one rule storepay accepts them by, and the one way it masks them.

An address is ``local@domain`` within RFC 5321's limits (local part at most 64 octets, the whole
at most 254, counted in UTF-8), internationalised ones included (RFC 6531: ``élève@école.fr``).
The local part is a dot-atom: no quoted local parts, no spaces, no dot at either end or twice in a
row. The domain is host names of letters, digits and hyphens (any script) or an address literal
(``user@[192.0.2.1]``, ``user@[IPv6:2001:db8::1]``). No control, format or other invisible
character is accepted anywhere: they are how a hostile address hides what it is.

Shown to anyone but the store, an address is masked: ``l***@example.com``.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata

from domain.errors import InvalidEmail

MAX_LENGTH = 254  # octets of the whole address (RFC 5321's path limit, less its brackets)
MAX_LOCAL_LENGTH = 64
MAX_LABEL_LENGTH = 63

# Characters no address holds, for the edge to refuse before anything else looks at it (a JSON
# Schema pattern too: no look-behind, no \Z). ``$(?![\s\S])`` is the very end, not "before a
# last newline".
_INVISIBLE = r"\s\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff"
PATTERN = rf"^[^{_INVISIBLE}]+$(?![\s\S])"

# RFC 5322's atext, with any non-ASCII character (RFC 6531) but none of the specials.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u0080-\U0010ffff]+"
_LOCAL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*")
# Letters and digits of any script, and inner hyphens; an underscore is let through (host names
# have none, but some mail domains do, and it hides nothing).
_LABEL = re.compile(r"\w(?:[\w\-]*\w)?")
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"})


def normalise_email(email: str) -> str:
    """The address as storepay keeps and compares it: trimmed of surrounding spaces, composed
    (NFC) and lower-cased, so one shopper is one shopper however they type it."""
    if not isinstance(email, str):
        raise InvalidEmail("an e-mail address is text")
    address = unicodedata.normalize("NFC", email.strip(" "))
    if not _is_address(address):
        raise InvalidEmail(f"{masked(email)!r} is not an e-mail address")
    return address.lower()


def _is_address(address: str) -> bool:
    if any(unicodedata.category(character) in _REFUSED_CATEGORIES for character in address):
        return False
    local, at, domain = address.rpartition("@")
    if not at or len(address.encode()) > MAX_LENGTH:
        return False
    if len(local.encode()) > MAX_LOCAL_LENGTH or not _LOCAL.fullmatch(local):
        return False
    return _is_domain(domain)


def _is_domain(domain: str) -> bool:
    if domain.startswith("[") and domain.endswith("]"):
        return _is_address_literal(domain[1:-1])
    labels = domain.split(".")
    return len(labels) >= 2 and all(
        len(label.encode()) <= MAX_LABEL_LENGTH and _LABEL.fullmatch(label) for label in labels
    )


def _is_address_literal(literal: str) -> bool:
    version = 4
    if literal[:5].lower() == "ipv6:":
        version, literal = 6, literal[5:]
    try:
        return ipaddress.ip_address(literal).version == version
    except ValueError:
        return False


def masked(email: str) -> str:
    """``l***@example.com``: the first character of the local part, then the domain; what a page
    or a log line may show of an address (``***`` when it has no ``@``)."""
    local, at, domain = email.rpartition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"
