"""HTTP client for awslab's routes on the emulator (/_awslab/...) and LocalStack's SQS peek route.

The CLI and the grader use this instead of importing LocalStack, so they work against the embedded
emulator and a docker-compose one alike.
"""

from __future__ import annotations

from urllib.parse import quote

import requests

from .errors import AwslabError, EmulatorUnavailable
from .i18n import t


def _check(resp: requests.Response) -> None:
    """An unexpected answer from the emulator becomes a one-line error, not a traceback."""
    if resp.status_code >= 400:
        raise AwslabError(t("err-emulator-http", status=resp.status_code, method=resp.request.method,
                            path=resp.request.path_url, body=resp.text.strip()[:200]))


class EmulatorClient:
    """`account` (an accounts.Account) signs each request with SigV4: in classroom mode the emulator
    serves routes that name an account only to a caller signed by that account (sigv4 plugin)."""

    def __init__(self, endpoint: str, timeout: float = 10.0, account=None):
        self.endpoint = endpoint.rstrip("/")
        self.timeout = timeout
        self.account = account
        self._http = requests.Session()

    @classmethod
    def for_account(cls, account, timeout: float = 10.0) -> "EmulatorClient":
        return cls(account.endpoint, timeout, account)

    def _request(self, method: str, path: str, **kwargs) -> requests.Response:
        timeout = kwargs.pop("timeout", self.timeout)
        prepared = self._http.prepare_request(requests.Request(method, self.endpoint + path, **kwargs))
        if self.account is not None:
            self._sign(prepared)
        try:
            return self._http.send(prepared, timeout=timeout)
        except requests.RequestException:
            raise EmulatorUnavailable(t("err-not-running", endpoint=self.endpoint)) from None

    def _sign(self, prepared: requests.PreparedRequest) -> None:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        headers = {k: v for k, v in prepared.headers.items() if k.lower() == "content-type"}
        request = AWSRequest(method=prepared.method, url=prepared.url, data=prepared.body or b"", headers=headers)
        credentials = Credentials(self.account.account_id, self.account.secret)
        SigV4Auth(credentials, "awslab", self.account.region).add_auth(request)
        prepared.headers.update({k: v for k, v in request.headers.items() if k.lower() != "content-type"})

    def info(self) -> dict:
        """Raises EmulatorUnavailable unless an emulator with awslab's plugins answers."""
        resp = self._request("GET", "/_awslab/info")
        if resp.status_code != 200:
            raise EmulatorUnavailable(t("err-not-awslab", endpoint=self.endpoint, status=resp.status_code))
        return resp.json()

    def reset_account(self, account_id: str) -> dict:
        resp = self._request("POST", f"/_awslab/accounts/{account_id}/reset")
        _check(resp)
        return resp.json()

    def journal(self, account_id: str, since: int = 0) -> list[dict]:
        """The account's event-journal entries with seq > since, oldest first
        (format: sandbox/plugins/journal/store.py)."""
        resp = self._request("GET", f"/_awslab/journal/{account_id}", params={"since": since})
        _check(resp)
        return resp.json()["entries"]

    def identity(self, access_key_id: str) -> dict:
        """The principal behind an access key, with its CloudTrail userIdentity element
        (sandbox/plugins/identity/callers.py)."""
        resp = self._request("GET", f"/_awslab/identity/{access_key_id}")
        _check(resp)
        return resp.json()

    def peek_messages(self, account_id: str, region: str, queue_name: str) -> list[dict]:
        """Every message of a queue, visible, in flight or delayed, without receiving any.

        LocalStack's developer endpoint /_aws/sqs/messages leaves receive counts and visibility alone.
        """
        resp = self._request(
            "GET",
            f"/_aws/sqs/messages/{region}/{account_id}/{quote(queue_name)}",
            params={"ShowInvisible": "true", "ShowDelayed": "true"},
            headers={"Content-Type": "application/x-amz-json-1.0"},
        )
        if resp.status_code == 400 and "QueueDoesNotExist" in resp.text:
            return []
        _check(resp)
        return resp.json().get("Messages") or []

    def remove_messages(self, account_id: str, region: str, queue_name: str, message_ids: list[str]) -> list[str]:
        resp = self._request(
            "POST",
            f"/_awslab/sqs/{region}/{account_id}/{quote(queue_name)}/remove-messages",
            json={"MessageIds": message_ids},
        )
        _check(resp)
        return resp.json()["Removed"]
