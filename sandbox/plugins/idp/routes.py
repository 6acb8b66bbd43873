"""Routes of the built-in IdP (sandbox/plugins/idp/state.py), JSON unless noted:

GET    /_awslab/idp/<account>                 summary: entity id, certificate, app, users
GET    /_awslab/idp/<account>/metadata        the IdP metadata XML (creates the signing key on first use)
PUT    /_awslab/idp/<account>/app             {"roles": [...], "session_name": "name|email", "session_duration": N|null}
PUT    /_awslab/idp/<account>/users/<name>    {"email": ..., "roles": null|[...]}
DELETE /_awslab/idp/<account>/users/<name>
POST   /_awslab/idp/<account>/sso             {"user": NAME} -> {"SAMLResponse", "Destination", "roles", ...}
POST   /_awslab/idp/<account>/rotate-key      new signing key and certificate
Errors: {"error": {"code", "message", "params"}} with 400/404.
"""

from __future__ import annotations

import json

from localstack.http import Request, Response, route

from sandbox import saml
from sandbox.plugins.http import bad_account, json_response

from . import state


def _error(exc: state.IdpError) -> Response:
    return json_response({"error": {"code": exc.code, "message": exc.message, "params": exc.params}},
                         exc.status)


def _body(request: Request) -> dict:
    try:
        body = json.loads(request.data or b"{}")
    except ValueError:
        raise state.IdpError("InvalidRequest", "the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise state.IdpError("InvalidRequest", "the body must be a JSON object")
    return body


def _answer(account_id: str, action) -> Response:
    refused = bad_account(account_id)
    if refused:
        return refused
    try:
        return action(state.get(account_id))
    except state.IdpError as exc:
        return _error(exc)


class IdpRoutes:
    @route("/_awslab/idp/<account_id>", methods=["GET"])
    def summary(self, request: Request, account_id: str) -> Response:
        return _answer(account_id, lambda idp: json_response(idp.summary()))

    @route("/_awslab/idp/<account_id>/metadata", methods=["GET"])
    def metadata(self, request: Request, account_id: str) -> Response:
        def answer(idp: state.IdP) -> Response:
            sso_url = f"{request.host_url.rstrip('/')}/_awslab/idp/{account_id}/sso"
            document = saml.idp_metadata(idp.entity_id, idp.signing_identity().cert_pem, sso_url)
            return Response(document, status=200, mimetype="application/samlmetadata+xml")

        return _answer(account_id, answer)

    @route("/_awslab/idp/<account_id>/app", methods=["PUT"])
    def app(self, request: Request, account_id: str) -> Response:
        return _answer(account_id, lambda idp: json_response(state.set_app(idp, _body(request)).as_json()))

    @route("/_awslab/idp/<account_id>/users/<name>", methods=["PUT", "DELETE"])
    def user(self, request: Request, account_id: str, name: str) -> Response:
        def answer(idp: state.IdP) -> Response:
            if request.method == "DELETE":
                state.delete_user(idp, name)
                return json_response({"deleted": name})
            return json_response(state.put_user(idp, name, _body(request)).as_json())

        return _answer(account_id, answer)

    @route("/_awslab/idp/<account_id>/sso", methods=["POST"])
    def sso(self, request: Request, account_id: str) -> Response:
        def answer(idp: state.IdP) -> Response:
            user = _body(request).get("user")
            if not isinstance(user, str):
                raise state.IdpError("InvalidRequest", 'the body must name the user: {"user": NAME}')
            return json_response(state.single_sign_on(idp, user))

        return _answer(account_id, answer)

    @route("/_awslab/idp/<account_id>/rotate-key", methods=["POST"])
    def rotate_key(self, request: Request, account_id: str) -> Response:
        return _answer(account_id, lambda idp: json_response(
            {"certificate": state.rotate_key(idp).cert_b64}))
