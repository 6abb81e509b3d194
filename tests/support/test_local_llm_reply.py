"""Reading a language model's reply: refusals in English and Chinese, citations only of the passages given."""

from __future__ import annotations

import pytest

from suite.errors import InvalidInput
from suite.settings import Settings
from suite.support.llm import ZH_REQUEST, messages
from suite.support.local_llm import read_reply


@pytest.mark.parametrize("reply", ["I don't know.", "I don’t know", "  i do not know.", "我不知道。", "不知道", ""])
def test_refusals_decline(reply):
    written = read_reply(reply, 2)
    assert not written.answered and written.cited == ()


def test_an_answer_keeps_only_markers_of_given_passages():
    written = read_reply("Hold the button for 10 s [2]. Then wait [7]. It blinks [1][2].", 2)
    assert written.answered and written.cited == (1, 2)
    assert written.text == "Hold the button for 10 s [2]. Then wait. It blinks [1][2]."


def test_an_answer_that_mentions_not_knowing_later_is_an_answer():
    written = read_reply("The hub keeps 30 days of video [1]; I don't know about longer plans.", 1)
    assert written.answered and written.cited == (1,)


def test_messages_number_the_passages_and_ask_chinese_in_chinese():
    chat = messages("怎么重置密码？", ["Reset: open Settings.", "Other."], chinese=True)
    assert chat[0]["role"] == "system" and "I don't know" in chat[0]["content"]
    asked = chat[-1]["content"]
    assert "[1] Reset: open Settings." in asked and "[2] Other." in asked and asked.endswith(ZH_REQUEST)
    assert not messages("How?", ["x"])[-1]["content"].endswith(ZH_REQUEST)


def test_setting_accepts_off_and_local_only():
    assert Settings.from_env({}).llm == "off"
    assert Settings.from_env({"SUITE_LLM": "Local"}).llm == "local"
    with pytest.raises(InvalidInput, match="SUITE_LLM='cloud' is not valid: expected off or local"):
        Settings.from_env({"SUITE_LLM": "cloud"})
