"""Sign-in, roles and the audit trail: who may do what in the suite, and who did what.

Domain functions that change state take the acting `Identity` and check it in one line (see `suite.auth.trail`):
`@audited("feedback.accept", target="feedback_id")` above the function, or `guard(store, identity, action, target)`
at its top. The dashboard signs people in (`sign_in`, `sign_in_sso`, `resume`, `sign_out`); the command line acts
as `cli_identity()`; the retraining worker as `system_identity("worker")`.
"""

from suite.auth.accounts import (
    MAX_FAILED_ATTEMPTS,
    add_user,
    change_password,
    disable_user,
    enable_user,
    ensure_initial_admin,
    get_account,
    initial_password_file,
    language_of,
    list_users,
    reset_password,
    set_email,
    set_language,
    set_role,
)
from suite.auth.models import (
    ROLES,
    Account,
    AuditEntry,
    AuditFilter,
    Identity,
    NewPassword,
    PasswordRejected,
    PermissionDenied,
    SessionEnded,
    SignedIn,
    SignInFailed,
)
from suite.auth.roles import POLICY, allowed, at_least, minimum_role, require
from suite.auth.sessions import check, resume, sign_in, sign_in_sso, sign_out
from suite.auth.trail import (
    audit,
    audited,
    cli_identity,
    export_audit,
    export_audit_csv,
    guard,
    list_audit,
    system_identity,
)

# The dashboard has no anonymous mode: every page is behind sign-in. `suite serve` refuses to listen beyond
# this machine when this is False, so a future switch to turn sign-in off cannot expose the dashboard.
SIGN_IN_REQUIRED = True

__all__ = [
    "MAX_FAILED_ATTEMPTS",
    "POLICY",
    "ROLES",
    "SIGN_IN_REQUIRED",
    "Account",
    "AuditEntry",
    "AuditFilter",
    "Identity",
    "NewPassword",
    "PasswordRejected",
    "PermissionDenied",
    "SessionEnded",
    "SignInFailed",
    "SignedIn",
    "add_user",
    "allowed",
    "at_least",
    "audit",
    "audited",
    "change_password",
    "check",
    "cli_identity",
    "disable_user",
    "enable_user",
    "ensure_initial_admin",
    "export_audit",
    "export_audit_csv",
    "get_account",
    "guard",
    "initial_password_file",
    "list_audit",
    "language_of",
    "list_users",
    "minimum_role",
    "require",
    "reset_password",
    "resume",
    "set_email",
    "set_language",
    "set_role",
    "sign_in",
    "sign_in_sso",
    "sign_out",
    "system_identity",
]
