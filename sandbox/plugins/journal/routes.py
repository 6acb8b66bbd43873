"""GET /_awslab/journal/<account>?since=<seq> -> {"entries": [...], "last_seq": N}."""

from __future__ import annotations

from localstack.http import Request, Response, route

from sandbox.plugins.http import bad_account, json_response

from .store import entries


class JournalRoutes:
    @route("/_awslab/journal/<account_id>", methods=["GET"])
    def journal(self, request: Request, account_id: str) -> Response:
        refused = bad_account(account_id)
        if refused:
            return refused
        try:
            since = int(request.args.get("since", "0"))
        except ValueError:
            since = 0
        found = entries(account_id, since)
        return json_response({"entries": found, "last_seq": found[-1]["seq"] if found else since})
