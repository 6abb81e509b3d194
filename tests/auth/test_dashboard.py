"""The dashboard gate in AppTest: nothing before sign-in, the must-change step, pages by role, sign-out, SSO."""

from __future__ import annotations

import pytest

from suite.auth import AuditFilter, add_user, cli_identity, initial_password_file, list_audit
from suite.auth.accounts import sign_in_failed_message
from tests.auth.helpers import PASSWORD, make_user, sign_in_app_test, signed_in

ADMIN_ONLY = ("pages/models.py", "pages/admin_users.py", "pages/audit.py")
REVIEWER_UP = ("pages/review.py", "pages/operations.py")
EVERYONE = ("pages/home.py", "pages/support.py", "pages/risk.py", "pages/account.py")


def sign_in_with_form(at, name: str, password: str):
    [user_box, password_box] = at.text_input
    user_box.input(name)
    password_box.input(password)
    return at.button[0].click().run()


def only_the_sign_in_page(at) -> None:
    assert not at.exception
    assert [t.value for t in at.title] == ["Sign in to Northstar Suite"]
    assert [t.label for t in at.text_input] == ["User name", "Password"]
    assert len(at.sidebar.children) == 0 or not any(True for _ in at.sidebar.button)
    for page in (*ADMIN_ONLY, *REVIEWER_UP, *EVERYONE):
        with pytest.raises(ValueError):
            at.switch_page(page)  # no page of the app is routed before sign-in


def test_an_unauthenticated_run_shows_only_the_sign_in_page(routed_app_test, store):
    at = routed_app_test().run()
    only_the_sign_in_page(at)
    assert not any("Load demo data" in b.label for b in at.button)


def test_a_wrong_password_says_the_same_as_for_anyone_and_stays_on_sign_in(routed_app_test, store):
    make_user(store, "vera", "staff")
    at = sign_in_with_form(routed_app_test().run(), "vera", "wrong password!")
    [error] = [e.value.replace("\\", "") for e in at.error]  # st.error text is shown with Markdown escaped
    assert error == sign_in_failed_message(store.settings)
    only_the_sign_in_page(at)


def test_first_admin_signs_in_changes_the_password_then_sees_everything(routed_app_test, settings, store):
    at = routed_app_test().run()  # the dashboard makes the first admin when `suite serve` did not
    password = initial_password_file(settings).read_text().strip()
    assert any("initial-admin-password" in c.value for c in at.caption)
    at = sign_in_with_form(at, "admin", password)
    assert [t.value for t in at.title] == ["Your account"]
    assert "Choose a new password" in at.warning[0].value
    for page in ADMIN_ONLY:
        with pytest.raises(ValueError):
            at.switch_page(page)  # nothing else until the password is changed
    current, new, repeat = at.text_input
    current.input(password)
    new.input("the admin's own password")
    repeat.input("the admin's own password")
    at = at.button[0].click().run()
    assert not at.exception and not at.warning
    assert [toast.value for toast in at.toast] == ["Your password is changed."]
    assert "Signed in as **admin** (admin)" in at.sidebar.caption[0].value
    for page in (*ADMIN_ONLY, *REVIEWER_UP):
        at.switch_page(page)  # routed now


@pytest.mark.parametrize(
    "role,reachable,unreachable",
    [
        ("viewer", EVERYONE, ADMIN_ONLY + REVIEWER_UP),
        ("staff", EVERYONE, ADMIN_ONLY + REVIEWER_UP),
        ("reviewer", EVERYONE + REVIEWER_UP, ADMIN_ONLY),
        ("admin", EVERYONE + REVIEWER_UP + ADMIN_ONLY, ()),
    ],
)
def test_each_role_is_routed_only_to_its_pages(routed_app_test, store, role, reachable, unreachable):
    at = sign_in_app_test(routed_app_test(), signed_in(store, role)).run()
    assert not at.exception
    assert at.title[0].value == "Northstar Suite"
    assert f"Signed in as **test\\-{role}** ({role})" in at.sidebar.caption[0].value
    for page in reachable:
        at.switch_page(page)
    for page in unreachable:
        with pytest.raises(ValueError):
            at.switch_page(page)


def test_sign_out_returns_to_the_sign_in_page_and_ends_the_session(routed_app_test, store):
    signed = signed_in(store, "staff")
    at = sign_in_app_test(routed_app_test(), signed).run()
    at = at.sidebar.button(key="suite_sign_out").click().run()
    only_the_sign_in_page(at)
    assert [i.value for i in at.info] == ["You are signed out."]
    again = sign_in_app_test(routed_app_test(), signed).run()  # the old token (a copied cookie) is dead too
    only_the_sign_in_page(again)


def test_admin_adds_an_account_on_the_users_page_and_sees_its_password_once(routed_app_test, store):
    at = sign_in_app_test(routed_app_test(), signed_in(store, "admin"))
    at.run()
    at.switch_page("pages/admin_users.py").run()
    assert not at.exception and at.title[0].value == "Users"
    at.text_input[0].input("wendy")
    at.selectbox[0].select("reviewer")
    at = at.button[0].click().run()
    assert not at.exception
    assert "Give wendy this password" in at.success[0].value
    shown = at.code[0].value
    assert len(shown) >= 20
    at.run()
    assert not at.code  # shown once
    events = list_audit(store, cli_identity(), AuditFilter(action="users.add"))
    assert any(e.target == "wendy" and e.actor == "test-admin" for e in events)


def test_admin_erases_a_person_on_the_users_page_after_typing_their_name(routed_app_test, store):
    from suite.privacy import mentions

    make_user(store, "xavier.gone", "staff")
    store.log_event(module="support", action="ask", user="xavier.gone", input_summary="hello")
    at = sign_in_app_test(routed_app_test(), signed_in(store, "admin"))
    at.run()
    at.switch_page("pages/admin_users.py").run()
    [account_box] = [box for box in at.selectbox if box.label == "Account"]
    at = account_box.select("xavier.gone").run()
    erase = next(b for b in at.button if b.label == "Erase")
    assert erase.disabled  # not before the name is typed
    at = next(t for t in at.text_input if t.label == "Type the user name to confirm").input("xavier.gone").run()
    at = next(b for b in at.button if b.label == "Erase").click().run()
    assert not at.exception
    assert "xavier.gone" in at.success[0].value.replace("\\", "")
    assert mentions(store, "xavier.gone") == {}
    events = list_audit(store, cli_identity(), AuditFilter(action="users.erase"))
    assert [(e.target, e.actor, e.outcome) for e in events] == [("xavier.gone", "test-admin", "ok")]


def test_admin_reads_and_exports_the_audit_trail(routed_app_test, store):
    at = sign_in_app_test(routed_app_test(), signed_in(store, "admin"))
    at.run()
    at.switch_page("pages/audit.py").run()
    assert not at.exception and at.title[0].value == "Audit trail"
    frame = at.dataframe[0].value
    assert {"auth.sign_in", "users.add"} <= set(frame["Action"])  # column titles in words, not field names
    assert any(b.label == "Export as CSV" for b in at.get("download_button"))


SSO_SECRETS = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32}


def test_single_sign_on_without_authlib_says_what_to_install(routed_app_test, store, monkeypatch):
    monkeypatch.setattr("pages.session.sso_installed", lambda: False)
    at = routed_app_test()
    at.secrets["auth"] = SSO_SECRETS
    at.run()
    assert "pip install -e '.[sso]'" in at.warning[0].value
    assert [t.label for t in at.text_input] == ["User name", "Password"]  # local accounts still work


def test_single_sign_on_button_and_email_mapping(routed_app_test, store, monkeypatch):
    monkeypatch.setattr("pages.session.sso_installed", lambda: True)
    at = routed_app_test()
    at.secrets["auth"] = SSO_SECRETS
    at.run()
    assert any(b.label == "Sign in with your company account" for b in at.button)

    add_user(store, cli_identity(), "xena", "reviewer", email="xena@example.com", sso_only=True)
    at.user = {"is_logged_in": True, "email": "xena@example.com"}
    at.run()
    assert not at.exception
    assert "Signed in as **xena** (reviewer) with your company account" in at.sidebar.caption[0].value

    stranger = routed_app_test()
    stranger.secrets["auth"] = SSO_SECRETS
    stranger.user = {"is_logged_in": True, "email": "yuri@example.com"}
    stranger.run()
    assert "has no access to Northstar Suite yet" in stranger.info[0].value


def test_the_password_is_the_only_way_in_for_local_accounts(routed_app_test, store):
    make_user(store, "zoe", "viewer")
    at = sign_in_with_form(routed_app_test().run(), "zoe", PASSWORD)
    assert not at.exception and at.title[0].value == "Northstar Suite"
