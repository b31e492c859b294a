"""Request and report shapes of the two providers the simulator imitates."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.responses import JSONResponse

from pingan_notify.sms_simulator.gateway import Receipt, Rejection, china_time, iso_utc

ALIYUN_REJECTIONS = {
    Rejection.BAD_NUMBER: ("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"),
    Rejection.BAD_SIGN: ("isv.SMS_SIGNATURE_ILLEGAL", "签名不合法"),
    Rejection.BAD_TEMPLATE: ("isv.SMS_TEMPLATE_ILLEGAL", "模板不合法(不存在或被拉黑)"),
    Rejection.BAD_PARAMS: ("isv.TEMPLATE_MISSING_PARAMETERS", "模板缺少变量"),
    Rejection.THROTTLED: ("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控"),
}
TENCENT_REJECTIONS = {
    Rejection.BAD_NUMBER: ("InvalidParameterValue.IncorrectPhoneNumber", "手机号格式错误"),
    Rejection.BAD_SIGN: ("FailedOperation.SignatureIncorrectOrUnapproved", "签名未审批或格式错误"),
    Rejection.BAD_TEMPLATE: ("FailedOperation.TemplateIncorrectOrUnapproved", "模板未审批或不存在"),
    Rejection.BAD_PARAMS: ("InvalidParameterValue.TemplateParameterFormatError", "模板参数不匹配"),
    Rejection.THROTTLED: ("LimitExceeded.DeliveryFrequencyLimit", "下发短信命中了频率限制策略"),
}


def aliyun_error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"RequestId": str(uuid.uuid4()).upper(), "Code": code, "Message": message},
        status_code=status,
    )


def tencent_error(status: int, code: str, message: str) -> JSONResponse:
    error = {"Error": {"Code": code, "Message": message}, "RequestId": str(uuid.uuid4())}
    return JSONResponse({"Response": error}, status_code=status)


def aliyun_report(receipt: Receipt) -> dict[str, Any]:
    return {
        "phone_number": receipt.to,
        "send_time": china_time(receipt.send_time),
        "report_time": china_time(receipt.report_time),
        "success": receipt.status == "DELIVERED",
        "err_code": receipt.status,
        "err_msg": "用户接收成功",
        "sms_size": str(receipt.segments),
        "biz_id": receipt.message_id,
    }


def tencent_report(receipt: Receipt) -> dict[str, Any]:
    return {
        "user_receive_time": china_time(receipt.report_time),
        "nationcode": "86",
        "mobile": receipt.to,
        "report_status": "SUCCESS" if receipt.status == "DELIVERED" else "FAIL",
        "errmsg": "DELIVRD",
        "description": "用户短信送达成功",
        "sid": receipt.message_id,
    }


def aliyun_inbound(phone: str, text: str, sign_name: str, now: float) -> list[dict[str, Any]]:
    return [
        {
            "phone_number": phone,
            "send_time": china_time(iso_utc(now)),
            "content": text,
            "sign_name": sign_name,
            "dest_code": "",
            "sequence_id": int(now * 1000),
        }
    ]


def tencent_inbound(phone: str, text: str, sign_name: str, now: float) -> dict[str, Any]:
    return {
        "extend": "",
        "mobile": phone,
        "nationcode": "86",
        "sign": sign_name,
        "text": text,
        "time": int(now),
    }
