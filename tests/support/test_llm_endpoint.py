"""The LLM endpoint is an outside call: bounded in size and time, http(s) only, no redirects (real local servers)."""

from __future__ import annotations

import time

import pytest

from suite.support.llm import LLMError, write_answer
from tests.support.llm_servers import Declared, Endless, Good, NotJson, Redirect, Trickle, TrickleHeaders, serving


def ask(url: str, **kwargs) -> str:
    return write_answer(url, "m", "How do I reset it?", ["Hold the button for ten seconds."], **kwargs)


def test_a_good_endpoint_writes_the_answer():
    with serving(Good) as url:
        assert ask(url) == "Hold the button for ten seconds [1]."
        assert Good.hits == ["/v1/chat/completions"]


def test_an_endless_body_is_cut_at_the_size_limit():
    with serving(Endless) as url:
        started = time.perf_counter()
        with pytest.raises(LLMError, match="over the limit of 262,144 bytes"):
            ask(url, timeout=10)
        assert time.perf_counter() - started < 5


def test_a_declared_huge_body_is_refused_before_reading():
    with serving(Declared) as url, pytest.raises(LLMError, match="would be 1,073,741,824 bytes"):
        ask(url, timeout=10)


@pytest.mark.parametrize("handler", [Trickle, TrickleHeaders], ids=["body", "headers"])
def test_a_server_that_trickles_bytes_is_stopped_at_the_overall_deadline(handler):
    with serving(handler) as url:
        started = time.perf_counter()
        with pytest.raises(LLMError, match="within 1.5 s"):
            ask(url, timeout=1.5)
        assert time.perf_counter() - started < 3


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirects_are_not_followed(monkeypatch, status):
    monkeypatch.setattr(Redirect, "status", status)
    with serving(Good) as target, serving(Redirect) as url:
        Redirect.target = target + "/chat/completions"
        with pytest.raises(LLMError, match=f"redirected \\(HTTP {status}\\)"):
            ask(url)
        assert Good.hits == []  # nothing, neither the POST nor a GET, went anywhere else


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1:70/", "127.0.0.1:8000", "http://"]
)
def test_only_http_urls_are_called(url):
    with pytest.raises(LLMError, match="http:// or https://"):
        ask(url)


def test_credentials_in_the_url_and_bad_ports_are_refused():
    with pytest.raises(LLMError, match="user name or password"):
        ask("http://user:secret@127.0.0.1:9/v1")
    with pytest.raises(LLMError, match="bad port"):
        ask("http://127.0.0.1:99999/v1")


def test_a_reply_that_is_not_a_chat_completion_is_an_error():
    with serving(NotJson) as url, pytest.raises(LLMError, match="not a chat completion"):
        ask(url)


def test_a_closed_port_is_an_error_quickly():
    started = time.perf_counter()
    with pytest.raises(LLMError):
        ask("http://127.0.0.1:9/v1", timeout=5)
    assert time.perf_counter() - started < 5
