"""HTTP client for awslab's routes on the emulator (/_awslab/...) and LocalStack's SQS peek route.

The CLI and the grader use this instead of importing LocalStack, so they work against the embedded
emulator and a docker-compose one alike.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import requests

from .errors import AwslabError, EmulatorUnavailable, IdpRefused
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

    def _call(self, method: str, path: str, **kwargs) -> requests.Response:
        """_request, then an answer of 400 or more becomes AwslabError (see _check)."""
        resp = self._request(method, path, **kwargs)
        _check(resp)
        return resp

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
        return self._call("POST", f"/_awslab/accounts/{account_id}/reset").json()

    def journal(self, account_id: str, since: int = 0, last: int | None = None, wait: float = 0) -> list[dict]:
        """The account's event-journal entries with seq > since, oldest first; only the newest
        `last` if given (format: sandbox/plugins/journal/store.py and flows.py). `wait` seconds:
        the emulator answers when a new hop is there (or one was updated), at the latest then."""
        return self._journal(account_id, since, last, wait)["entries"]

    def journal_position(self, account_id: str) -> int:
        """The seq after which the account's next hops will be: journal(account, since=this) later
        returns only what happened from now on."""
        return self._journal(account_id, 0, 0)["last_seq"]

    def _journal(self, account_id: str, since: int, last: int | None, wait: float = 0) -> dict:
        params = {"since": since} if last is None else {"since": since, "last": last}
        if wait:
            params["wait"] = wait
            return self._call("GET", f"/_awslab/journal/{account_id}", params=params,
                              timeout=self.timeout + wait).json()
        return self._call("GET", f"/_awslab/journal/{account_id}", params=params).json()

    def flush_trails(self, account_id: str) -> list[dict]:
        """Deliver the account's pending CloudTrail records now; one entry per log file
        (format: sandbox/plugins/cloudtrail/routes.py)."""
        resp = self._call("POST", f"/_awslab/cloudtrail/{account_id}/flush", timeout=max(self.timeout, 30))
        return resp.json()["files"]

    def identity(self, access_key_id: str) -> dict:
        """The principal behind an access key, with its CloudTrail userIdentity element
        (sandbox/plugins/identity/callers.py)."""
        return self._call("GET", f"/_awslab/identity/{access_key_id}").json()

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
        resp = self._call(
            "POST",
            f"/_awslab/sqs/{region}/{account_id}/{quote(queue_name)}/remove-messages",
            json={"MessageIds": message_ids},
        )
        return resp.json()["Removed"]

    # ---- network and authorization (sandbox/plugins/network, sandbox/plugins/authz) ----

    def enforcement(self, account_id: str, enabled: bool | None = None, set_it: bool = False) -> dict:
        """Authorization (IAM decides every call, sandbox/plugins/authz) for an account:
        {"account", "enabled", "default", "explicit"}; with set_it, first sets the account's switch
        (enabled=None returns it to the emulator's default, on)."""
        path = f"/_awslab/accounts/{account_id}/enforcement"
        resp = self._call("PUT", path, json={"enabled": enabled}) if set_it else self._call("GET", path)
        return resp.json()

    s3_enforcement = enforcement  # the older name: one switch covers S3 and every other service

    def authz_stats(self) -> dict:
        """The authorization handler's counters (requests, decisions, refusals)."""
        return self._call("GET", "/_awslab/authz/stats").json()

    def imds_endpoint(self, account_id: str, region: str, instance_id: str) -> str | None:
        """A URL of the instance's metadata service that SDKs can call unsigned, as on an instance
        (AWS_EC2_METADATA_SERVICE_ENDPOINT); None for an unknown instance."""
        resp = self._request("POST", f"/_awslab/network/{account_id}/{region}/{quote(instance_id)}/imds-session")
        if resp.status_code == 404:
            return None
        _check(resp)
        return self.endpoint + resp.json()["path"]

    @staticmethod
    def _imds_path(account_id: str, region: str, instance_id: str) -> str:
        return f"/_awslab/imds/{account_id}/{region}/{quote(instance_id)}/"

    def instance_credentials(self, account_id: str, region: str, instance_id: str) -> dict | None:
        """What the instance metadata service serves for the instance profile's role (the IMDS
        document: Code, AccessKeyId, SecretAccessKey, Token, Expiration), None without a role."""
        base = self._imds_path(account_id, region, instance_id)
        resp = self._request("GET", base + "latest/meta-data/iam/security-credentials/")
        if resp.status_code == 404:
            return None
        _check(resp)
        role = resp.text.strip()
        resp = self._call("GET", base + f"latest/meta-data/iam/security-credentials/{quote(role)}")
        return {"RoleName": role, **resp.json()}

    def network_path(self, account_id: str, region: str, instance_id: str, service: str = "s3",
                     service_region: str | None = None) -> dict | None:
        """{"service": path, "internet": path, "state": ...} for the instance (None if unknown);
        a path is sandbox/plugins/network/paths.NetworkPath as a dict."""
        resp = self._request("GET", f"/_awslab/network/{account_id}/{region}/{quote(instance_id)}",
                             params={"service": service, "service_region": service_region or region})
        if resp.status_code == 404:
            return None
        _check(resp)
        return resp.json()

    # ---- the built-in SAML IdP (sandbox/plugins/idp/routes.py) ------------------------------------

    def _idp(self, method: str, account_id: str, path: str = "", **kwargs) -> requests.Response:
        resp = self._request(method, f"/_awslab/idp/{account_id}{path}", **kwargs)
        if resp.status_code in (400, 404):
            try:
                error = resp.json()["error"]
            except (ValueError, KeyError, TypeError):
                error = None
            if error:
                raise IdpRefused(error["code"], error.get("message", ""), error.get("params") or {})
        _check(resp)
        return resp

    def idp(self, account_id: str) -> dict:
        """{"entity_id", "certificate" (base64 DER or None before first use), "app", "users"}."""
        return self._idp("GET", account_id).json()

    def idp_metadata(self, account_id: str) -> str:
        return self._idp("GET", account_id, "/metadata").text

    def idp_set_app(self, account_id: str, **settings) -> dict:
        """settings: roles (list of "roleArn,providerArn"), session_name ("name"|"email"),
        session_duration (seconds or None)."""
        return self._idp("PUT", account_id, "/app", json=settings).json()

    def idp_put_user(self, account_id: str, name: str, email: str | None = None,
                     roles: list[str] | None = None) -> dict:
        """Create or replace an IdP user; roles=None uses the app's Role attribute, [] sends none."""
        return self._idp("PUT", account_id, f"/users/{quote(name)}", json={"email": email, "roles": roles}).json()

    def idp_delete_user(self, account_id: str, name: str) -> None:
        self._idp("DELETE", account_id, f"/users/{quote(name)}")

    def idp_sso(self, account_id: str, user: str) -> dict:
        """Single sign-on as `user`: {"SAMLResponse", "Destination", "roles", "session_name", "user"}."""
        return self._idp("POST", account_id, "/sso", json={"user": user}).json()

    def idp_rotate_key(self, account_id: str) -> str:
        return self._idp("POST", account_id, "/rotate-key").json()["certificate"]

    def edge(self, url: str, method: str = "GET", headers: dict | None = None,
             cookies: dict | None = None) -> requests.Response:
        """A viewer request for `url` (https://<id>.cloudfront.net/..., or a distribution's alias) to
        the emulator's CloudFront edge, sent with the URL's host as Host header. The path and query
        go out exactly as given: a canned policy signs the URL byte for byte. Raises ValueError for
        a URL that is not http(s)://host/..."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(url)
        prepared = requests.Request(
            method, self.endpoint + "/", headers={**(headers or {}), "Host": parts.hostname}, cookies=cookies,
        ).prepare()
        prepared.url = self.endpoint + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            return self._http.send(prepared, timeout=self.timeout, allow_redirects=False)
        except requests.RequestException:
            raise EmulatorUnavailable(t("err-not-running", endpoint=self.endpoint)) from None
