"""The roles and the one table of what each action needs: pages hide by it, domain functions refuse by it.

Every state-changing action in the product has a row in `POLICY`: its audit event name (the key), the lowest
role that may do it, and the words a refusal uses. `require` is the check; `allowed` is the same check for
a page deciding whether to show a button.
"""

from __future__ import annotations

from dataclasses import dataclass

from suite.auth.models import ROLES, Identity, PermissionDenied


@dataclass(frozen=True)
class Action:
    minimum_role: str
    description: str  # completes "... may not <description>"


POLICY: dict[str, Action] = {
    # signing in and one's own account: anyone with an account
    "auth.sign_in": Action("viewer", "sign in"),
    "auth.sign_out": Action("viewer", "sign out"),
    "auth.change_password": Action("viewer", "change their password"),
    # using the five assistants, giving feedback, opening tickets
    "support.ask": Action("staff", "ask the support assistant"),
    "support.feedback": Action("staff", "give feedback on a support answer"),
    "support.ticket_open": Action("staff", "open a support ticket"),
    "recommend.run": Action("staff", "ask for recommendations"),
    "recommend.feedback": Action("staff", "give feedback on recommendations"),
    "inspect.run": Action("staff", "inspect photos"),
    "inspect.feedback": Action("staff", "review or report defects"),
    "transcribe.run": Action("staff", "transcribe recordings"),
    "transcribe.correct": Action("staff", "correct a transcript"),
    "transcribe.vocabulary": Action("staff", "change the transcription vocabulary"),
    "risk.classify": Action("staff", "classify headlines"),
    "risk.ingest": Action("staff", "upload headlines"),
    "risk.correct": Action("staff", "correct a headline's label"),
    "inspect.check_data": Action("staff", "check a training data set"),
    # reviewing: feedback decisions, alerts, answering tickets
    "feedback.accept": Action("reviewer", "accept feedback for retraining"),
    "feedback.reject": Action("reviewer", "reject feedback"),
    "feedback.edit": Action("reviewer", "edit feedback"),
    "feedback.reopen": Action("reviewer", "reopen decided feedback"),
    "feedback.undo": Action("reviewer", "undo a feedback decision"),
    "alerts.acknowledge": Action("reviewer", "acknowledge a risk alert"),
    "alerts.dismiss": Action("reviewer", "dismiss a risk alert"),
    "alerts.snooze": Action("reviewer", "snooze a risk alert"),
    "alerts.reopen": Action("reviewer", "reopen a risk alert"),
    "support.ticket_answer": Action("reviewer", "answer or close a support ticket"),
    # administration: knowledge base, models, exports, settings, users, the audit trail
    "kb.add": Action("admin", "add help articles"),
    "kb.remove": Action("admin", "delete help articles"),
    "models.retrain": Action("admin", "start a retraining"),
    "models.cancel": Action("admin", "stop a retraining or training job"),
    "models.promote": Action("admin", "promote a model version"),
    "models.rollback": Action("admin", "roll back a model"),
    "inspect.train": Action("admin", "train a defect model from an upload"),
    "recommend.import": Action("admin", "import a product catalog or interaction log"),
    "demo.load": Action("admin", "load the sample data"),
    "data.export": Action("admin", "export events or feedback"),
    "settings.change": Action("admin", "change settings"),
    "users.add": Action("admin", "add accounts"),
    "users.list": Action("admin", "list accounts"),
    "users.set_role": Action("admin", "change an account's role"),
    "users.set_email": Action("admin", "change an account's single sign-on e-mail"),
    "users.reset_password": Action("admin", "reset a password"),
    "users.disable": Action("admin", "disable an account"),
    "users.enable": Action("admin", "enable an account"),
    "users.erase": Action("admin", "erase everything stored for a user"),
    "data.purge": Action("admin", "purge recordings and images past the retention period"),
    "audit.view": Action("admin", "read the audit trail"),
    "audit.export": Action("admin", "export the audit trail"),
}


def rank(role: str) -> int:
    """0 for viewer up to 3 for admin; an unknown role ranks below everything."""
    return ROLES.index(role) if role in ROLES else -1


def check_role(role: str) -> str:
    """The role name, lower-cased, when it is one of ROLES.

    Raises:
        InvalidInput: not a role.
    """
    from suite.errors import InvalidInput

    name = (role or "").strip().lower()
    if name not in ROLES:
        raise InvalidInput(f"Unknown role {role!r}; expected one of {', '.join(ROLES)}.")
    return name


def require(identity: Identity | None, minimum_role: str, action: str) -> Identity:
    """The identity, when its role is at least `minimum_role`; otherwise a plain-language refusal.

    Example:
        >>> require(Identity("ana", "reviewer", "s1"), "reviewer", "feedback.accept").user
        'ana'

    Raises:
        PermissionDenied: nobody is signed in, or the role is too low. The message names the role needed.
    """
    from suite.errors import message

    what = message(f"services.action.{action}") if action in POLICY else action  # POLICY's words, per language
    if identity is None:
        raise PermissionDenied(message("services.auth.sign_in_to", action=what))
    if rank(identity.role) < rank(minimum_role):
        role = message(f"role.{identity.role}") if identity.role in ROLES else identity.role
        needed = message(f"role.{minimum_role}") if minimum_role in ROLES else minimum_role
        raise PermissionDenied(
            message("services.auth.may_not", user=identity.user, role=role, action=what, needed=needed)
        )
    return identity


def minimum_role(action: str) -> str:
    """The lowest role that may do `action` (a KeyError for an action missing from POLICY is a bug)."""
    return POLICY[action].minimum_role


def allowed(identity: Identity | None, action: str) -> bool:
    """Whether `identity` may do `action`: what a page asks before showing the button."""
    return identity is not None and rank(identity.role) >= rank(minimum_role(action))


def at_least(identity: Identity | None, role: str) -> bool:
    """Whether `identity`'s role is `role` or higher (pages use it to decide what to list)."""
    return identity is not None and rank(identity.role) >= rank(role)
