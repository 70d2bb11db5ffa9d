"""Contracts of the small ports (Clock, IdGenerator, SecretGenerator, TokenSigner), run on each
adapter that stands behind them."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from adapters.system.api_keys import RandomSecrets
from adapters.system.clock import ManualClock, SystemClock
from adapters.system.ids import SequentialIds, TimeOrderedIds
from adapters.system.tokens import HmacTokenSigner
from application.ports import Clock, IdGenerator, SecretGenerator, TokenSigner

START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
KEY = b"k" * 32


@pytest.fixture(params=["system", "manual"])
def clock(request: pytest.FixtureRequest) -> Clock:
    return SystemClock() if request.param == "system" else ManualClock(START)


@pytest.fixture(params=["time_ordered", "sequential"])
def ids(request: pytest.FixtureRequest) -> IdGenerator:
    return TimeOrderedIds() if request.param == "time_ordered" else SequentialIds()


def test_a_clock_tells_timezone_aware_utc_time_that_never_goes_back(clock: Clock) -> None:
    first, second = clock.now(), clock.now()

    assert first.tzinfo is not None
    assert first.utcoffset() == timedelta(0)
    assert second >= first


def test_a_manual_clock_moves_only_forwards_and_only_when_told() -> None:
    clock = ManualClock(START)

    assert clock.now() == START
    assert clock.advance(timedelta(minutes=5)) == START + timedelta(minutes=5)
    assert clock.now() == START + timedelta(minutes=5)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError, match="timezone-aware"):
        ManualClock(datetime(2026, 1, 1))  # noqa: DTZ001 - the naive time is the point


def test_ids_keep_their_prefix_are_unique_and_sort_in_creation_order(ids: IdGenerator) -> None:
    made = [ids.new_id("pay_") for _ in range(5000)]

    assert all(made_id.startswith("pay_") for made_id in made)
    assert len(set(made)) == len(made)
    # Ordered by the millisecond they were made in (the first 10 characters after the prefix);
    # within one millisecond the rest is random.
    moments = [made_id[4:14] for made_id in made]
    assert sorted(moments) == moments


def test_each_prefix_counts_on_its_own() -> None:
    ids = SequentialIds()

    assert [ids.new_id("ord_"), ids.new_id("pay_"), ids.new_id("ord_")] == [
        "ord_0001",
        "pay_0001",
        "ord_0002",
    ]


def test_secrets_are_unguessable_and_never_repeat() -> None:
    secrets: SecretGenerator = RandomSecrets()

    made = {secrets.new_secret("spk_") for _ in range(1000)}

    assert len(made) == 1000
    assert all(secret.startswith("spk_") and len(secret) >= 4 + 43 for secret in made)


@pytest.fixture
def signer() -> TokenSigner:
    return HmacTokenSigner(KEY)


def test_a_token_proves_its_subject_until_it_expires(signer: TokenSigner) -> None:
    token = signer.sign("onboarding:store_1", START + timedelta(hours=1))

    assert signer.verify(token, "onboarding:store_1", START)
    assert signer.verify(token, "onboarding:store_1", START + timedelta(minutes=59))
    assert not signer.verify(token, "onboarding:store_1", START + timedelta(hours=1))
    assert not signer.verify(token, "onboarding:store_2", START)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: str(int(token.split(".")[0]) + 3600) + "." + token.split(".")[1],
        lambda token: token.split(".")[0],
        lambda token: "",
        lambda token: "not-a-token",
        lambda token: "9" * 40 + "." + token.split(".")[1],
    ],
)
def test_a_tampered_or_malformed_token_proves_nothing(
    signer: TokenSigner, tamper: Callable[[str], str]
) -> None:
    token = signer.sign("onboarding:store_1", START + timedelta(hours=1))

    assert not signer.verify(tamper(token), "onboarding:store_1", START)


def test_a_token_signed_with_another_key_proves_nothing(signer: TokenSigner) -> None:
    other = HmacTokenSigner(b"o" * 32)

    token = other.sign("onboarding:store_1", START + timedelta(hours=1))

    assert not signer.verify(token, "onboarding:store_1", START)


def test_a_short_signing_key_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        HmacTokenSigner(b"short")
