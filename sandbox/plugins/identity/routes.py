"""GET /_awslab/identity/<access-key-id> -> the principal behind that key (callers.Caller.as_dict)."""

from __future__ import annotations

from localstack.http import Request, Response, route

from sandbox.plugins.http import json_response

from .callers import caller_for_key


class IdentityRoutes:
    @route("/_awslab/identity/<access_key_id>", methods=["GET"])
    def identity(self, request: Request, access_key_id: str) -> Response:
        return json_response(caller_for_key(access_key_id).as_dict())
