"""Free text cleaning and resident ID numbers (pure: no I/O)."""

from __future__ import annotations

import pytest

from pingan_intake.inputs.resident_ids import normalise_resident_id
from pingan_intake.inputs.text import clean_text

VALID_ID = "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  路灯坏了 \n", "路灯坏了"),
        ("路\u200b灯\u200c坏\ufeff了", "路灯坏了"),  # zero-width characters
        ("\u202e了坏灯路", "了坏灯路"),  # right-to-left override
        ("路灯\u200f坏了\u200e", "路灯坏了"),  # RTL / LTR marks
        ("３号楼（急）！", "3号楼（急）！"),  # full-width digits narrowed, punctuation kept
        ("e\u0301", "\u00e9"),  # NFC: e + combining acute is é
        ("第一行\n\t第二行\x07", "第一行\n\t第二行"),
        ("漏水了😭💧", "漏水了😭💧"),
        ("👨\u200d👩\u200d👧 一家人", "👨\u200d👩\u200d👧 一家人"),  # emoji joiners stay
    ],
)
def test_text_is_trimmed_normalised_and_stripped_of_invisible_characters(raw, expected):
    assert clean_text(raw) == expected


def test_a_lone_surrogate_is_refused():
    with pytest.raises(ValueError, match="surrogate"):
        clean_text("路灯\ud800坏了")


@pytest.mark.parametrize(
    "raw", [VALID_ID, "11010519491231002x", "110105 19491231 002X", "110105-19491231-002X"]
)
def test_resident_id_is_normalised(raw: str):
    assert normalise_resident_id(raw) == VALID_ID


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("110105194912310021", "checksum"),
        ("11010519491331002X", "valid"),  # month 13
        ("1101051949123100", "18 characters"),
        ("110105491231002", "18 characters"),  # first-generation 15 digits: expired
        ("A1010519491231002X", "valid"),
    ],
)
def test_impossible_resident_ids_are_refused(raw: str, message: str):
    with pytest.raises(ValueError, match=message):
        normalise_resident_id(raw)


def test_a_resident_of_the_demo_county_331199_is_accepted():
    # stdnum's region table has no 331199; its lookup raised KeyError, which was a 500.
    assert normalise_resident_id("331199 19900101 1234") == "331199199001011234"


def test_a_wrong_check_digit_is_refused_in_a_region_stdnum_does_not_know():
    with pytest.raises(ValueError, match="checksum"):
        normalise_resident_id("331199199001011231")
