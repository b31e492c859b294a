"""Personal data shown to roles that don't need it in full (PIPL)."""

import pytest

from pingan_common.auth.masking import mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812341234", "138****1234"),
        (" 13812341234 ", "138****1234"),
        ("138 1234 1234", "138****1234"),
        ("+8613812341234", "+86138****1234"),
        ("0571-87654321", "0571-****4321"),
        ("057187654321", "0571****4321"),
        ("010-12345678", "010-****5678"),
        ("0755-1234567", "0755-***4567"),
        ("87654321", "****4321"),
        ("12345", "*2345"),
        ("110", "***"),
        ("", ""),
    ],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("id_number", "masked"),
    [
        ("110101199003071234", "110***********1234"),
        ("11010119900307123X", "110***********123X"),
        ("110101900307123", "110********7123"),  # old 15-digit cards
        ("1234567", "*******"),
        ("", ""),
    ],
)
def test_mask_id_number(id_number, masked):
    assert mask_id_number(id_number) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三丰", "张**"), ("张三", "张*"), ("欧阳娜娜", "欧***"), ("张", "*"), ("", "")],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_masking_passes_none_through():
    assert mask_phone(None) is None
    assert mask_id_number(None) is None
    assert mask_name(None) is None


def test_masked_values_keep_no_hidden_digits():
    masked = mask_phone("13812345678")
    assert "2345" not in masked and len(masked) == 11
