"""The SMS provider's callbacks need the configured token; without one configured, none is taken."""

from __future__ import annotations

import pytest

from pingan_common.problems import ProblemError
from pingan_notify.sms.routes import check_callback_token


def test_the_configured_token_is_accepted() -> None:
    check_callback_token("s3cret-token", "s3cret-token")


@pytest.mark.parametrize("given", [None, "", "s3cret-tokeN", "s3cret"])
def test_a_missing_or_wrong_token_is_a_401(given: str | None) -> None:
    with pytest.raises(ProblemError) as refused:
        check_callback_token("s3cret-token", given)
    assert refused.value.status == 401


@pytest.mark.parametrize("configured", [None, ""])
def test_a_notify_with_no_token_configured_takes_no_callbacks(configured: str | None) -> None:
    with pytest.raises(ProblemError) as refused:
        check_callback_token(configured, "anything")
    assert refused.value.status == 503
