"""The SMS adapters' signatures against the providers' published examples, and how many parts
a text is billed as."""

from __future__ import annotations

import pytest

from pingan_notify.sms.aliyun import aliyun_signature, aliyun_string_to_sign
from pingan_notify.sms.segments import count_segments
from pingan_notify.sms.tencent import tc3_signature

# --- published signature examples -----------------------------------------------------------


def test_the_aliyun_signature_matches_the_providers_published_sendsms_example():
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }

    assert aliyun_string_to_sign("GET", params).startswith(
        "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123"
    )
    assert aliyun_signature("GET", params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_the_tc3_signature_matches_the_providers_published_example():
    payload = (
        b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    )

    signature = tc3_signature(
        secret_key="Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        service="cvm",
        timestamp=1551113065,
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Host": "cvm.tencentcloudapi.com",
        },
        payload=payload,
    )

    assert signature == "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"


# --- segments -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "segments"), [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)]
)
def test_chinese_text_is_billed_70_characters_single_and_67_per_part(length, segments):
    assert count_segments("办" * length) == segments


@pytest.mark.parametrize(("length", "segments"), [(160, 1), (161, 2), (306, 2), (307, 3)])
def test_plain_latin_text_is_billed_160_single_and_153_per_part(length, segments):
    assert count_segments("a" * length) == segments


def test_a_single_chinese_character_switches_the_whole_text_to_ucs2():
    assert count_segments("a" * 69 + "办") == 1
    assert count_segments("a" * 70 + "办") == 2


def test_gsm_extension_characters_count_twice():
    assert count_segments("{" * 80) == 1
    assert count_segments("{" * 80 + "a") == 2


def test_characters_outside_the_bmp_count_as_two_ucs2_units():
    assert count_segments("😀" * 35) == 1
    assert count_segments("😀" * 35 + "办") == 2


def test_the_sign_name_prefix_counts_toward_the_segments():
    body = "办" * 67
    assert count_segments(body) == 1
    assert count_segments(f"【平安】{body}") == 2


def test_an_empty_text_has_no_segments():
    assert count_segments("") == 0
