"""Phone numbers as callers give them, normalised to digits (pure: no I/O)."""

from __future__ import annotations

import pytest

from pingan_intake.inputs.phones import normalise_phone, to_e164


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("  13800138000  ", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("+8613800138000", "13800138000"),
        ("0086 13800138000", "13800138000"),
        ("0086-138-0013-8000", "13800138000"),
        ("(138)00138000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),  # typed with a full-width IME
        ("19912345678", "19912345678"),
    ],
)
def test_mobile_numbers_are_reduced_to_eleven_digits(raw: str, expected: str):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0571-88889999", "057188889999"),
        ("0571 8888 9999", "057188889999"),
        ("（0571）88889999", "057188889999"),
        ("010-12345678", "01012345678"),
        ("0570-1234567", "05701234567"),
        ("+86 0571 88889999", "057188889999"),
        ("+86 571 8888 1234", "057188881234"),  # international form: no trunk 0
        ("0086-571-88881234", "057188881234"),
        ("+86 10 1234 5678", "01012345678"),
    ],
)
def test_landlines_keep_their_area_code(raw: str, expected: str):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["110", "12345", "95588"])
def test_service_short_numbers_are_accepted(raw: str):
    assert normalise_phone(raw) == raw


@pytest.mark.parametrize(
    "raw",
    [
        "138OO138OOO",  # letters O for zeros
        "1380013800a",
        "tel:13800138000",
        "13800138000#",
        "138.0013.8000",
        "13٨00138000",  # an Arabic-Indic digit: a digit, but not one we can dial or hash alike
    ],
)
def test_letters_and_other_characters_are_rejected(raw: str):
    with pytest.raises(ValueError, match="only digits"):
        normalise_phone(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "12800138000",  # no mobile range starts 12
        "1380013800",  # ten digits
        "138001380001",  # twelve digits starting 1
        "23800138000",  # neither 1… nor 0…
        "0571-888",  # landline too short
        "0571-888899999",  # landline too long
        "10086",  # not a service number we accept
        "+86",
        "0",
        "",
        "   ",
    ],
)
def test_impossible_numbers_are_rejected(raw: str):
    with pytest.raises(ValueError):
        normalise_phone(raw)


@pytest.mark.parametrize(
    ("stored", "e164"),
    [("13800138000", "+8613800138000"), ("057188881234", "+8657188881234"), ("110", "110")],
)
def test_stored_numbers_convert_to_e164(stored: str, e164: str):
    assert to_e164(stored) == e164


def test_a_foreign_number_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match=r"\+86"):
        normalise_phone("+1 212 555 0100")
