"""Human ticket numbers: prefix + local date + daily sequence (pure: no I/O)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from pingan_common.numbering import format_document_number as format_ticket_number
from pingan_intake.registration.numbering import ticket_number

TICKET_NUMBER = re.compile(r"^QS\d{8}\d{6}$")


def test_ticket_number_is_prefix_date_and_six_digit_sequence():
    assert format_ticket_number("QS", "20261123", 123) == "QS20261123000123"


@pytest.mark.parametrize("sequence", [1, 42, 999_999])
def test_sequence_is_zero_padded_to_six_digits(sequence: int):
    number = format_ticket_number("QS", "20261123", sequence)

    assert TICKET_NUMBER.match(number)
    assert int(number[-6:]) == sequence


def test_numbers_of_one_day_sort_in_sequence_order():
    numbers = [format_ticket_number("QS", "20261123", n) for n in (1, 9, 10, 100, 1000)]

    assert sorted(numbers) == numbers


def test_prefix_is_configurable():
    assert format_ticket_number("WG", "20260101", 7) == "WG20260101000007"


def test_ticket_number_carries_the_local_date_not_the_utc_one():
    # 2001-03-04 16:30 UTC is already 00:30 on 2001-03-05 in Shanghai.
    after_local_midnight, before_local_midnight = [
        ticket_number("QS", now, sequence=1)
        for now in (
            datetime(2001, 3, 4, 16, 30, tzinfo=UTC),
            datetime(2001, 3, 4, 15, 30, tzinfo=UTC),
        )
    ]

    assert re.fullmatch(r"QS20010305\d{6}", after_local_midnight)
    assert re.fullmatch(r"QS20010304\d{6}", before_local_midnight)
