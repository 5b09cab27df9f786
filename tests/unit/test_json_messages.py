"""report.json keeps the English text and, beside it, the message; reading it back rebuilds
the message only when it reproduces the stored text exactly."""

from __future__ import annotations

import dataclasses
import json

import pytest
from test_report_owner import DEMOS, demo

from posture.models import Msg, Verdict, msg
from posture.render import Format, render
from posture.render.messages import message_text
from posture.store.json_messages import message_from_jsonable
from posture.store.results import result_from_json


def test_round_trip_keeps_the_translation() -> None:
    result = demo(DEMOS[0])
    # A claim whose evidence was incomplete carries a translatable reason.
    first = dataclasses.replace(result.claims[0], verdict=Verdict.INCONCLUSIVE, reason=msg(
        "some evidence could not be gathered: see the findings in error"))
    result = dataclasses.replace(result, claims=(first, *result.claims[1:]))
    data = json.loads(render(result, Format.JSON))
    finding = next(f for f in data["findings"] if f["id"] == "accounts.password_age@lab")
    assert finding["summary"].startswith("1 of 2 password accounts has a password older")
    assert finding["summary_message"]["n"] == 1 and finding["summary_message"]["plural"]
    back = result_from_json(data)
    summary = next(f for f in back.findings if f.id == "accounts.password_age@lab").summary
    assert isinstance(summary, Msg) and summary == finding["summary"]
    assert message_text(summary, "nl").startswith("1 van de 2 accounts met wachtwoord heeft")
    claim = next(c for c in back.claims if c.reason)
    assert isinstance(claim.reason, Msg)


@pytest.mark.parametrize("bad", [
    {"id": "{x}", "params": {"x": "other"}},            # does not reproduce the text
    {"id": "{x}", "params": {"not an id": 1}},
    {"id": "{x}", "params": {"x": {"id": "{y}", "params": {"y": {"id": 1}}}}},
    {"id": "{x}", "params": {"x": object.__name__}, "n": True},
    "a string", None, [1, 2],
])
def test_anything_else_keeps_the_plain_text(bad: object) -> None:
    kept = message_from_jsonable("shown text", bad)
    assert kept == "shown text" and not isinstance(kept, Msg)
