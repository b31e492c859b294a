"""The local SMS gateway simulator: a real HTTP server shaped like the providers' SMS APIs.

    python -m pingan_notify.sms_simulator --host 127.0.0.1 --port 8006

It answers ``POST /aliyun`` like Aliyun's ``SendSms`` (signed form parameters) and
``POST /tencent`` like Tencent Cloud's ``SendSms`` (TC3-signed JSON), checks the signatures with
its configured keys, renders each message from the template catalog, records it in memory, and
answers with a provider message id — or with the provider's error when the signature, number,
sign name, template or parameters are wrong, or when it has been told to fail.

Inspection and control (for people and tests):

- ``GET /messages?to=<phone>``: what was received, oldest first; ``DELETE /messages`` forgets it
- ``GET /receipts?to=<phone>``: delivery reports (every accepted message is DELIVERED at once);
  with a receipt callback URL they are also POSTed there in the provider's report shape
- ``POST /control`` ``{"fail_next": 2, "fail_status": 500, "delay_ms": 300,
  "rate_limit_per_minute": 5, "receipt_callback_url": …, "inbound_callback_url": …}`` (fields
  not given stay as they are); ``GET /control``; ``DELETE /control`` resets to the defaults
- ``POST /control/inbound`` ``{"from": "13800138000", "text": "1"}``: a citizen's reply, POSTed
  to the inbound callback URL in the provider's upstream-message shape
- ``GET /healthz``
"""

from pingan_notify.sms_simulator.app import create_app, main
from pingan_notify.sms_simulator.gateway import Gateway, SimulatorConfig

__all__ = ["Gateway", "SimulatorConfig", "create_app", "main"]
