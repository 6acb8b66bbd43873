"""GET /_awslab/journal/<account>?since=<seq>&last=<n>&wait=<s> -> {"entries": [...], "last_seq": N}.

`last_seq` is the seq of the account's newest hop (or `since` when that is larger), so a reader can
ask for `last=0` to learn where "from now on" starts, and then for `since=last_seq`. `wait` (seconds,
at most MAX_WAIT_S) holds the answer until a hop after `since` is there or one is updated: flow
checks wait on the flow's next hop instead of polling."""

from __future__ import annotations

from localstack.http import Request, Response, route

from sandbox.plugins.http import bad_account, error_response, json_response

from .store import entries, newest_seq, wait_newer

MAX_WAIT_S = 5.0


class JournalRoutes:
    @route("/_awslab/journal/<account_id>", methods=["GET"])
    def journal(self, request: Request, account_id: str) -> Response:
        refused = bad_account(account_id)
        if refused:
            return refused
        try:
            since = int(request.args.get("since", "0"))
            last = int(request.args["last"]) if "last" in request.args else None
            wait = float(request.args.get("wait", "0"))
        except ValueError:
            return error_response("InvalidParameter", "since and last must be integers, wait a number", 400)
        if last is not None and last < 0:
            return error_response("InvalidParameter", "last must be 0 or more", 400)
        if wait > 0:
            wait_newer(account_id, since, min(wait, MAX_WAIT_S))
        found = entries(account_id, since, last)
        return json_response({"entries": found, "last_seq": max(newest_seq(account_id), since)})
