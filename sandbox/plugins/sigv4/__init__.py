"""SigV4 plugin: in classroom mode, every AWS request must be signed with the registered secret of
the account its access key names (LocalStack itself accepts any secret, so without this a learner
could act in another learner's account just by using that account id as access key).

On only when the emulator runs with AWSLAB_CLASSROOM=1 (docker-compose.yml, `awslab up --classroom`);
single-learner use keeps LocalStack's any-secret behaviour. See handler.py for the errors answered.
"""

import os

from localstack.runtime import hooks


def enabled() -> bool:
    return os.environ.get("AWSLAB_CLASSROOM", "0") == "1"


@hooks.on_infra_start()
def awslab_sigv4_verification():
    if not enabled():
        return
    from localstack.aws.handlers import preprocess_request, serve_custom_service_request_handlers

    from .. import LOADED
    from .handler import SignatureCheck, keep_form_body

    check = SignatureCheck()
    preprocess_request.append(keep_form_body)
    preprocess_request.append(check.guard_account_routes)  # before LocalStack serves its routes
    # First in the list: a request that fails the check reaches no other awslab handler.
    serve_custom_service_request_handlers.handlers.insert(0, check)
    LOADED.append("sigv4")
