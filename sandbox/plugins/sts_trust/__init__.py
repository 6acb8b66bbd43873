"""STS AssumeRole as AWS authorizes it: the role's trust policy and the caller's own permissions.

LocalStack (moto) answers AssumeRole with credentials without reading the trust policy, for any
caller, even for a role that does not exist (DESIGN.md section 7). A handler on
`serve_custom_service_request_handlers` evaluates the trust policy and the caller's identity-based
policies with sandbox/iam_policy.py before LocalStack's STS provider runs, and checks
DurationSeconds and the session policy; a response handler records the session's PolicyArns for
identity.policies (so the session is limited by them). CreateFunction refuses an execution role
Lambda cannot assume. Refusals and sources: handler.py and
sandbox/plugins/README.md.
"""

from localstack.runtime import hooks


@hooks.on_infra_start()
def awslab_sts_trust():
    from localstack.aws.handlers import run_custom_response_handlers, serve_custom_service_request_handlers

    from .. import LOADED
    from .handler import check_assume_role, check_function_role, record_session

    serve_custom_service_request_handlers.append(check_assume_role)
    serve_custom_service_request_handlers.append(check_function_role)
    run_custom_response_handlers.append(record_session)
    LOADED.append("sts_trust")
