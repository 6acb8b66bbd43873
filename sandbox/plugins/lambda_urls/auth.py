"""AuthType AWS_IAM: the request must carry a SigV4 signature for the service `lambda` ("Security and
auth model for Lambda function URLs"). The signer is resolved like every other call (identity
plugin); the signature is recomputed when the emulator knows the secret (IAM user and STS keys; in
classroom mode also learners' registered keys), as the sigv4 plugin does for API calls."""

from __future__ import annotations

import logging

from rolo.request import get_raw_path

from sandbox.plugins.identity.callers import Caller, caller_for_key
from sandbox.plugins.sigv4 import enabled as classroom_mode
from sandbox.plugins.sigv4 import verify

LOG = logging.getLogger(__name__)


def authenticate(request) -> Caller | None:
    """The caller whose SigV4 signature (service lambda) the request carries; None when unsigned,
    signed for another service, or the signature does not match."""
    pairs = verify.query_pairs(request.environ.get("QUERY_STRING", ""))
    try:
        signed = verify.parse(request.headers, pairs)
    except verify.Malformed as exc:
        LOG.info("awslab lambda url: malformed signature: %s", exc)
        return None
    if signed is None or signed.service != "lambda":
        return None
    caller = caller_for_key(signed.access_key)
    secret = caller.secret_access_key
    if classroom_mode():
        from sandbox import config
        from sandbox.plugins.sigv4.keyring import Keyring

        identity = Keyring(config.home() / "classroom.db").lookup(signed.access_key)
        if identity is None:
            return None
        secret = identity.secret
    if not caller.active:
        return None
    if secret is not None:
        expected = verify.expected_signature(signed, secret, request.method, get_raw_path(request), pairs,
                                             request.headers, request.get_data())
        if not verify.matches(expected, signed.signature):
            LOG.info("awslab lambda url: signature mismatch for %s", signed.access_key)
            return None
    return caller
