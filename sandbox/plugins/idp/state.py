"""The per-account IdP: signing identity, users, AWS app settings, and single sign-on.

No LocalStack imports: the routes wrap it, tests and the bench may use it directly.
"""

from __future__ import annotations

import re
import threading
import uuid
from dataclasses import dataclass, field

from sandbox import saml

NAME_RE = re.compile(r"^[\w.@+=,-]{1,64}$")
SESSION_NAME_SOURCES = ("name", "email")


class IdpError(Exception):
    """Bad input for the IdP: `code` and `params` let the CLI say it in ja/en; HTTP `status`."""

    def __init__(self, code: str, message: str, status: int = 400, **params):
        super().__init__(message)
        self.code, self.message, self.status, self.params = code, message, status, params


@dataclass
class User:
    name: str
    email: str | None = None
    # None: the app's Role attribute applies; a list (possibly empty) overrides it for this user.
    roles: list[str] | None = None
    subject: str = field(default_factory=lambda: f"_{uuid.uuid4().hex}")  # persistent NameID

    def as_json(self) -> dict:
        return {"name": self.name, "email": self.email, "roles": self.roles, "subject": self.subject}


@dataclass
class App:
    """The IdP's "AWS" app: the SAML attributes it sends."""

    roles: list[str] = field(default_factory=list)
    session_name: str = "name"  # which user field becomes RoleSessionName
    session_duration: int | None = None

    def as_json(self) -> dict:
        return {"roles": self.roles, "session_name": self.session_name,
                "session_duration": self.session_duration}


@dataclass
class IdP:
    account: str
    identity: saml.SigningIdentity | None = None
    users: dict[str, User] = field(default_factory=dict)
    app: App = field(default_factory=App)

    @property
    def entity_id(self) -> str:
        return f"urn:awslab:idp:{self.account}"

    def signing_identity(self) -> saml.SigningIdentity:
        """Created on first use, so a fresh account costs nothing until its IdP is used."""
        if self.identity is None:
            self.identity = saml.new_signing_identity(f"awslab IdP {self.account}")
        return self.identity

    def summary(self) -> dict:
        return {
            "account": self.account,
            "entity_id": self.entity_id,
            "certificate": self.identity.cert_b64 if self.identity else None,
            "app": self.app.as_json(),
            "users": [u.as_json() for u in sorted(self.users.values(), key=lambda u: u.name)],
        }


_lock = threading.Lock()
_idps: dict[str, IdP] = {}


def get(account: str) -> IdP:
    with _lock:
        return _idps.setdefault(account, IdP(account))


def clear(account: str) -> None:
    with _lock:
        _idps.pop(account, None)


def check_role_values(values) -> list[str]:
    """Each value must be "roleArn,providerArn" (either order), as AWS reads the Role attribute."""
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise IdpError("InvalidRoleAttribute", "roles must be a list of strings", value=repr(values))
    for value in values:
        if len(saml.role_pairs([value])) != 1:
            raise IdpError("InvalidRoleAttribute",
                           f"not a 'roleArn,providerArn' pair: {value!r}", value=value)
    return list(values)


def set_app(idp: IdP, body: dict) -> App:
    app = App(roles=list(idp.app.roles), session_name=idp.app.session_name,
              session_duration=idp.app.session_duration)
    if "roles" in body:
        app.roles = check_role_values(body["roles"])
    if "session_name" in body:
        if body["session_name"] not in SESSION_NAME_SOURCES:
            raise IdpError("InvalidSetting", f"session_name must be one of {SESSION_NAME_SOURCES}",
                           field="session_name", value=body["session_name"])
        app.session_name = body["session_name"]
    if "session_duration" in body:
        value = body["session_duration"]
        # IAM User Guide: SessionDuration ranges from 900 to 43200 seconds.
        if value is not None and (not isinstance(value, int) or not 900 <= value <= 43200):
            raise IdpError("InvalidSetting", "session_duration must be 900..43200 seconds or null",
                           field="session_duration", value=value)
        app.session_duration = value
    with _lock:
        idp.app = app
    return app


def put_user(idp: IdP, name: str, body: dict) -> User:
    if not NAME_RE.match(name):
        raise IdpError("InvalidUserName", f"user names are 1-64 of letters, digits and ._@+=,-: {name!r}",
                       name=name)
    email = body.get("email")
    if email is not None and (not isinstance(email, str) or "@" not in email):
        raise IdpError("InvalidSetting", f"not an e-mail address: {email!r}", field="email", value=email)
    roles = body.get("roles")
    if roles is not None:
        roles = check_role_values(roles)
    with _lock:
        previous = idp.users.get(name)
        user = User(name=name, email=email, roles=roles)
        if previous:
            user.subject = previous.subject  # a persistent NameID stays the same for the same user
        idp.users[name] = user
    return user


def delete_user(idp: IdP, name: str) -> None:
    with _lock:
        if idp.users.pop(name, None) is None:
            raise IdpError("UnknownUser", f"no IdP user named {name!r}", 404, name=name)


def attributes_for(idp: IdP, user: User) -> dict[str, list[str]]:
    """The SAML attributes the AWS app sends for this user."""
    attributes: dict[str, list[str]] = {}
    roles = user.roles if user.roles is not None else idp.app.roles
    if roles:
        attributes[saml.ATTR_ROLE] = list(roles)
    session_name = user.email if idp.app.session_name == "email" else user.name
    if session_name:
        attributes[saml.ATTR_SESSION_NAME] = [session_name]
    if idp.app.session_duration:
        attributes[saml.ATTR_SESSION_DURATION] = [str(idp.app.session_duration)]
    return attributes


def single_sign_on(idp: IdP, name: str) -> dict:
    """Authenticate `name` (no password offline) and issue the SAMLResponse the browser would post to
    https://signin.aws.amazon.com/saml."""
    user = idp.users.get(name)
    if user is None:
        raise IdpError("UnknownUser", f"no IdP user named {name!r}", 404, name=name)
    attributes = attributes_for(idp, user)
    xml = saml.build_response(idp.signing_identity(), idp.entity_id, user.subject, attributes)
    return {
        "SAMLResponse": saml.encode(xml),
        "Destination": saml.AWS_SIGNIN,
        "user": user.name,
        "roles": [list(pair) for pair in saml.role_pairs(attributes.get(saml.ATTR_ROLE, []))],
        "session_name": attributes.get(saml.ATTR_SESSION_NAME, [None])[0],
    }


def rotate_key(idp: IdP) -> saml.SigningIdentity:
    """A new key and certificate, as when an IdP's certificate is renewed: AWS then refuses the
    responses until the provider's metadata is updated (UpdateSAMLProvider)."""
    with _lock:
        idp.identity = saml.new_signing_identity(f"awslab IdP {idp.account}")
    return idp.identity
