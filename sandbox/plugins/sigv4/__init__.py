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
    sign_code_urls_privately(check.keyring)
    preprocess_request.append(keep_form_body)
    preprocess_request.append(check.guard_routes)  # before LocalStack serves its routes
    # First in the list: a request that fails the check reaches no other awslab handler.
    serve_custom_service_request_handlers.handlers.insert(0, check)
    LOADED.append("sigv4")


def sign_code_urls_privately(keyring) -> None:
    """GetFunction's Code.Location is an S3 URL that LocalStack presigns as its internal resource
    account with the well-known secret `__internal_call__`, which the check refuses (and which would let
    anyone sign a URL to any function's code). Here it is presigned with a secret only this process
    knows, and the check accepts that account with that secret only."""
    import boto3
    from localstack import config as ls_config
    from localstack.constants import AWS_REGION_US_EAST_1
    from localstack.services.lambda_.invocation import lambda_models

    import secrets

    secret = secrets.token_hex(20)
    keyring.private[ls_config.INTERNAL_RESOURCE_ACCOUNT] = secret

    def generate_presigned_url(self, endpoint_url: str) -> str:
        s3 = boto3.client("s3", region_name=AWS_REGION_US_EAST_1, endpoint_url=endpoint_url,
                          aws_access_key_id=ls_config.INTERNAL_RESOURCE_ACCOUNT, aws_secret_access_key=secret)
        params = {"Bucket": self.s3_bucket, "Key": self.s3_key}
        if self.s3_object_version:
            params["VersionId"] = self.s3_object_version
        # 10 minutes, as AWS's code URLs (Lambda API Reference, FunctionCodeLocation: "expires in 10 minutes").
        return s3.generate_presigned_url("get_object", Params=params, ExpiresIn=600)

    lambda_models.S3Code.generate_presigned_url = generate_presigned_url
