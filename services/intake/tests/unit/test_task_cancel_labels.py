"""The timeline names each reason dispatch may cancel a task for in Chinese (pure: no I/O)."""

from __future__ import annotations

from typing import get_args

from pingan_common.events.dispatch import TaskCancelledData
from pingan_intake.timeline.cancel_reasons import CANCEL_REASON_LABELS, cancel_reason_label


def test_every_cancel_reason_of_the_contract_has_a_chinese_label():
    reasons = set(get_args(TaskCancelledData.model_fields["reason"].annotation))

    assert reasons == set(CANCEL_REASON_LABELS)


def test_a_task_converted_into_a_case_reads_as_transferred_to_mediation():
    assert cancel_reason_label("to_mediation") == "转调解"
    assert cancel_reason_label("retracted") == "工单撤回"
    assert cancel_reason_label("merged") == "并单"


def test_a_reason_without_a_label_yet_shows_its_code():
    assert cancel_reason_label("new_reason") == "new_reason"
