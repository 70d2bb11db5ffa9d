"""Text read from Stripe's objects: ids, codes and names hold no control character; a store's
metadata values may break lines, and their keys may not."""

from __future__ import annotations

import pytest

from adapters.stripe.objects import Fields, Malformed, metadata


@pytest.mark.parametrize("value", ["pi_\x00", "pi_\x1b", "pi_\x7f", "pi_\x85", "pi_\ud800", "a\nb"])
def test_an_id_with_a_control_character_is_malformed(value: str) -> None:
    with pytest.raises(Malformed, match="control character"):
        Fields({"id": value}, "intent").text("id")


def test_metadata_values_may_break_lines() -> None:
    intent = Fields({"metadata": {"note": "gift\r\nwrap it\tplease"}}, "intent")

    assert metadata(intent) == {"note": "gift\r\nwrap it\tplease"}


@pytest.mark.parametrize(
    "members", [{"note": "gift\x00"}, {"no\nte": "gift"}, {"note": "\ud800"}], ids=repr
)
def test_metadata_with_a_control_character_is_malformed(members: dict[str, str]) -> None:
    with pytest.raises(Malformed, match="control character"):
        metadata(Fields({"metadata": members}, "intent"))


def test_a_list_of_texts_with_a_control_character_is_malformed() -> None:
    with pytest.raises(Malformed):
        Fields({"currently_due": ["ok", "bad\x00"]}, "requirements").texts("currently_due")
