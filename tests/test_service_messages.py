"""Sentences from suite/ in the page's language: every key a service passes to `message(...)` is in both
catalogues, the English text is what the CLI and the API print, and a page shows it translated."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest

from suite import i18n
from suite.errors import InvalidInput, Message, StoreBusy, localized, message
from suite.uploads import check_size, check_upload

ROOT = Path(__file__).resolve().parent.parent
# message("services.x", ...), Message("..."), and the catalogue keys suite/ modules look up with t(language, "...")
ASKED = re.compile(r"""\b(?:message|Message)\(\s*"([a-z_][\w.]*)\"""")
LOOKED_UP = re.compile(r"""\btn?\(\s*[\w.]+,\s*"([a-z_][\w.]*)\"""")
KEY_CONSTANT = re.compile(r"""^_?[A-Z_]+ = "(services\.[\w.]+)\"""", re.M)  # a key kept in a constant


def _asked() -> set[tuple[str, str]]:
    found = set()
    for path in sorted((ROOT / "suite").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for pattern in (ASKED, LOOKED_UP, KEY_CONSTANT):
            found |= {(str(path.relative_to(ROOT)), key) for key in pattern.findall(text)}
    return found


@pytest.mark.parametrize("language", list(i18n.LANGUAGES))
def test_every_message_key_used_in_suite_is_in_the_catalogue(language):
    keys = set(i18n.catalogue(language))
    plural_bases = {key.rsplit(".", 1)[0] for key in keys if key.endswith(".other")}
    asked = _asked()
    assert {key for _, key in asked if key.startswith("services.")}, "no message(...) found under suite/"
    missing = sorted((path, key) for path, key in asked if key not in keys and key not in plural_bases)
    assert missing == []


def test_the_scan_finds_a_key_that_is_not_there(tmp_path):
    source = 'raise InvalidInput(message("services.no.such.key", name=shown))\nt(language, "review.nope")\n'
    keys = set(ASKED.findall(source)) | set(LOOKED_UP.findall(source))
    assert keys == {"services.no.such.key", "review.nope"}
    assert not keys & set(i18n.catalogue("en"))


def test_english_stays_the_text_of_the_error_and_chinese_is_one_call_away():
    with pytest.raises(InvalidInput) as caught:
        check_upload("../reports/notes.txt", b"", allowed=[".txt"])
    err = caught.value
    assert str(err) == "notes.txt: the file is empty."  # what the CLI prints and the API returns
    assert err.message is not None and err.message.key == "services.upload.empty"
    assert localized(err, "zh_CN") == "notes.txt：文件是空的。"
    assert localized(err, "en") == str(err)
    with pytest.raises(InvalidInput) as caught:
        check_upload("photo.exe", b"x", allowed=[".jpg", ".png"])
    assert str(caught.value) == "photo.exe: .exe is not supported; use .jpg, .png."
    assert localized(caught.value, "zh_CN") == "photo.exe：不支持 .exe 文件，请使用 .jpg, .png。"
    with pytest.raises(InvalidInput) as caught:
        check_size("big.wav", 25 * 2**20, max_mb=20)
    assert str(caught.value) == "big.wav: the file is 25 MB; the limit is 20 MB."
    assert "上限为 20 MB" in localized(caught.value, "zh_CN")


def test_a_plain_error_or_text_is_shown_as_it_is():
    assert localized(InvalidInput("Something plain."), "zh_CN") == "Something plain."
    assert localized("a note", "zh_CN") == "a note" and localized(None, "en") == ""


def test_a_message_keeps_its_key_through_pickling_and_translates_nested_params():
    busy = StoreBusy(message("services.store.busy"))
    again = pickle.loads(pickle.dumps(busy))
    assert str(again) == str(busy) and again.message.key == "services.store.busy"
    assert localized(again, "zh_CN").startswith("数据库正忙")
    refused = message("services.auth.no_access", address=message("services.auth.no_email"), email="ADDRESS")
    assert "(no e-mail)" in refused
    assert "无电子邮件地址" in localized(refused, "zh_CN")
    assert isinstance(refused, Message) and isinstance(refused, str)


def test_a_refused_action_is_named_in_the_page_language_with_the_policy_words():
    from suite.auth.models import Identity, PermissionDenied
    from suite.auth.roles import POLICY, require

    for action, rule in POLICY.items():  # the catalogue says what the policy says, in both languages
        assert i18n.t("en", f"services.action.{action}") == rule.description
        assert f"services.action.{action}" in i18n.catalogue("zh_CN")
    with pytest.raises(PermissionDenied) as caught:
        require(Identity("ana", "staff", "s1"), "reviewer", "feedback.accept")
    assert str(caught.value) == (
        "ana (staff) may not accept feedback for retraining: that needs the reviewer role or higher. "
        "Ask an admin if you need it."
    )
    assert localized(caught.value, "zh_CN") == (
        "ana（员工）无权采纳反馈用于重新训练：这需要审核员或更高的角色。如有需要，请联系管理员。"
    )
    with pytest.raises(PermissionDenied) as caught:
        require(None, "admin", "models.promote")
    assert str(caught.value) == "Please sign in to promote a model version."
    assert localized(caught.value, "zh_CN") == "请先登录，才能启用某个模型版本。"


def test_a_wrong_password_is_refused_in_chinese_on_the_sign_in_page(store, monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from pages.ui import LANGUAGE_KEY
    from tests.auth.helpers import keep_app_routing, make_user

    keep_app_routing(monkeypatch)
    st.cache_resource.clear()
    st.cache_data.clear()
    make_user(store, "vera", "staff")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.sidebar.radio(key=LANGUAGE_KEY).set_value("zh_CN").run()
    user_box, password_box = at.text_input
    user_box.input("vera")
    password_box.input("wrong password!")
    at.button[0].click().run()
    assert not at.exception
    [error] = [e.value.replace("\\", "") for e in at.error]
    assert error.startswith("用户名和密码与任何有效账户都不匹配。")
    assert f"锁定 {store.settings.lockout_minutes} 分钟" in error
    st.cache_resource.clear()
