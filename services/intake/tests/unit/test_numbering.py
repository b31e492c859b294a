"""Human ticket numbers: prefix + local date + daily sequence (pure: no I/O)."""

from __future__ import annotations

import re

import pytest

from pingan_intake.registration.numbering import format_ticket_number

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
