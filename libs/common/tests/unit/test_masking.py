"""Personal data shown to roles that don't need it in full (PIPL)."""

import pytest

from pingan_common.auth.masking import (
    mask_contacts_in_text,
    mask_id_number,
    mask_name,
    mask_phone,
)


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


# --- numbers inside free text -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("打我电话13812345678就行", "打我电话138****5678就行"),
        ("号码是 138 1234 5678", "号码是 138****5678"),
        ("+86 13812345678", "+86 138****5678"),
        ("座机0571-88123456", "座机0571-****3456"),
        ("身份证330102199001011234", "身份证330***********1234"),
        ("身份证号33010219900101123x。", "身份证号330***********123x。"),
        ("老证号330102900101123", "老证号330********1123"),
    ],
)
def test_numbers_in_free_text_are_masked_in_place(text: str, masked: str) -> None:
    assert mask_contacts_in_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "翠湖名苑7-1-301，楼上12号",
        "银行卡号6222021234567890123丢了",  # 19 digits: not an ID, not a phone
        "欠了我12000元，2026年10月1日到期",
        "订单号202612020001",
    ],
)
def test_other_numbers_are_left_alone(text: str) -> None:
    assert mask_contacts_in_text(text) == text


def test_none_passes_through() -> None:
    assert mask_contacts_in_text(None) is None
