"""The dashboard in English and Chinese: both catalogues hold every key with the same placeholders, every key the
pages ask for exists, Babel formats numbers and times per language, and the sidebar switch changes the pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from pages.ui import LANGUAGE_KEY
from suite import i18n
from suite.auth import language_of, set_language
from tests.auth.helpers import keep_app_routing, sign_in_app_test, signed_in

ROOT = Path(__file__).resolve().parent.parent
# t("key"...), tn("key"...), label=t("key"): literal keys in the pages (f-string keys are checked by their callers)
USED = re.compile(r"""\btn?\(\s*"([a-z_][\w.]*)\"""")
OTHER = [code for code in i18n.LANGUAGES if code != i18n.DEFAULT]


@pytest.fixture
def app_page(settings):
    """An AppTest of a file on the test's SUITE_HOME (no store cached from another test)."""
    st.cache_resource.clear()
    st.cache_data.clear()
    yield lambda page: AppTest.from_file(str(ROOT / page), default_timeout=120)
    st.cache_resource.clear()


def _base(key: str) -> str:
    """A plural key's base (`home.db.feedback` for `home.db.feedback.one`)."""
    return key.rsplit(".", 1)[0] if key.endswith((".one", ".other")) else key


def _keys(language: str) -> set[str]:
    return set(i18n.catalogue(language))


@pytest.mark.parametrize("language", OTHER)
def test_every_english_key_has_a_translation_and_back(language):
    english, other = _keys(i18n.DEFAULT), _keys(language)
    # Chinese has one plural form: `.other` stands for English's `.one` and `.other`
    wanted = {key for key in english if not key.endswith(".one")}
    assert sorted(wanted - other) == [], f"missing in {language}"
    assert sorted(other - english) == [], f"in {language} only (a typo, or missing in English)"
    for key in english:
        if key.endswith(".one"):
            assert _base(key) + ".other" in english, f"{key} has no .other form"


@pytest.mark.parametrize("language", [i18n.DEFAULT, *OTHER])
def test_no_key_is_defined_in_two_catalogue_files(language):
    seen: dict[str, str] = {}
    twice = []
    for file, key, _ in i18n.catalogue_entries(language):
        if key in seen and seen[key] != file:
            twice.append((key, seen[key], file))
        seen.setdefault(key, file)
    assert twice == []


@pytest.mark.parametrize("language", OTHER)
def test_placeholders_are_the_same_in_both_languages(language):
    english, other = i18n.catalogue(i18n.DEFAULT), i18n.catalogue(language)
    for key, text in english.items():
        translated = other.get(key) or other.get(_base(key) + ".other", "")
        assert i18n.placeholders(text) == i18n.placeholders(translated), key


def test_no_translation_is_left_in_english():
    english, chinese = i18n.catalogue("en"), i18n.catalogue("zh_CN")
    same = [key for key, text in chinese.items() if text == english.get(key) and re.search(r"[a-z]{4}", text)]
    assert same == []


def test_every_key_the_dashboard_asks_for_exists():
    english = _keys(i18n.DEFAULT)
    plural_bases = {_base(key) for key in english if key.endswith(".other")}
    sources = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
    asked = {(path.name, key) for path in sources for key in USED.findall(path.read_text())}
    assert asked, "no t(...) call found in the pages"
    missing = sorted((name, key) for name, key in asked if key not in english and key not in plural_bases)
    assert missing == []


def test_plural_forms_follow_the_language():
    assert i18n.tn("en", "home.db.feedback", 1) == "**1** piece of feedback"
    assert i18n.tn("en", "home.db.feedback", 1234) == "**1,234** pieces of feedback"
    assert i18n.tn("zh_CN", "home.db.feedback", 1) == "**1** 条反馈"


def test_numbers_percentages_and_times_are_formatted_for_the_language():
    moment = datetime(2026, 12, 3, 14, 5, 30, tzinfo=UTC)
    assert i18n.when("en", moment) == "3 Dec 2026, 14:05 UTC"
    assert i18n.when("zh_CN", moment) == "2026年12月3日 14:05 UTC"
    assert "+00:00" not in i18n.when("en", moment) and i18n.when("en", None) == ""
    assert i18n.percent("en", 0.674) == "67%" and i18n.percent("zh_CN", 0.674) == "67%"
    assert i18n.number("en", 1234567) == "1,234,567"
    assert i18n.number("en", 0.0689, decimals=2) == "0.07"


def test_a_missing_key_or_unknown_language_never_breaks_a_page():
    assert i18n.t("zh_CN", "no.such.key") == "no.such.key"
    assert i18n.t("fr", "nav.home") == "Home"  # unknown language: English
    assert i18n.t("en", "ui.failed") == i18n.catalogue("en")["ui.failed"]  # placeholder not given: text as is


def test_the_language_is_remembered_per_account(store):
    signed = signed_in(store, "viewer")
    assert language_of(store, signed.identity.user) is None
    set_language(store, signed.identity, "zh_CN")
    assert language_of(store, signed.identity.user) == "zh_CN"
    with pytest.raises(Exception, match="Unknown language"):
        set_language(store, signed.identity, "xx")


def test_switching_to_chinese_shows_chinese_titles_and_is_remembered(app_page, store, monkeypatch):
    keep_app_routing(monkeypatch)
    signed = signed_in(store, "viewer")
    at = sign_in_app_test(app_page("app.py"), signed).run()
    assert not at.exception
    assert at.title[0].value == "Northstar Suite"
    at.sidebar.radio(key=LANGUAGE_KEY).set_value("zh_CN").run()
    assert not at.exception
    assert at.title[0].value == "Northstar 智能套件"
    assert any("客服问答" in m.value for m in at.markdown if m.value.startswith("####"))
    assert language_of(store, signed.identity.user) == "zh_CN"

    at.switch_page("pages/support.py").run()
    assert not at.exception
    assert at.title[0].value == "客服问答"
    assert [tab.label for tab in at.tabs] == ["提问", "知识库", "已转交同事"]

    # a new browser session of the same account opens in Chinese
    again = sign_in_app_test(app_page("app.py"), signed).run()
    assert not again.exception
    assert again.title[0].value == "Northstar 智能套件"
