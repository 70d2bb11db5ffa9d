"""Which characters text storepay keeps may hold.

A control character has no place in an id, a code, a key, an e-mail address or a name, and
PostgreSQL cannot store a NUL at all; a lone surrogate cannot be written as UTF-8, so neither a
database nor a log line can hold one. Free text (a note the store attaches to a payment) may break
lines and hold tabs, nothing else below the space. Text is checked against these rules where it
enters storepay: at the HTTP edge and in the gateway's webhook readers.
"""

from __future__ import annotations

import re

# The longest id, code or name storepay keeps (Stripe's ids are far shorter): a longer one is not
# one storepay can store, on PostgreSQL least of all.
LONGEST = 255

# C0 controls, DEL, C1 controls, and the surrogates (only ever alone in a Python str).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_BUT_LINE_BREAKS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def is_clean(text: str) -> bool:
    """No control character and no lone surrogate: an id, code, key, e-mail address or name."""
    return _CONTROL.search(text) is None


def is_clean_free_text(text: str) -> bool:
    """Free text: as :func:`is_clean`, but tabs and line breaks (LF, CR) are allowed."""
    return _CONTROL_BUT_LINE_BREAKS.search(text) is None
