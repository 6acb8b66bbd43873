"""S3 policy enforcement plugin: bucket policies, identity policies and the request's origin decide
whether an S3 request is allowed, as on AWS (handler.py); per-account switch (settings.py, routes.py).
LocalStack 4.14 community stores bucket policies but applies none."""

from localstack.runtime import hooks


@hooks.on_infra_start()
def awslab_s3_policy_enforcement():
    from localstack.aws.handlers import serve_custom_service_request_handlers
    from localstack.services.edge import ROUTER

    from .. import ACCOUNT_RESET_HOOKS, LOADED, changes
    from .handler import enforce_s3_policies, validate_bucket_policy
    from .routes import EnforcementRoutes
    from .settings import forget_account

    changes.install()  # write counters behind the enforcement's caches
    serve_custom_service_request_handlers.append(validate_bucket_policy)
    serve_custom_service_request_handlers.append(enforce_s3_policies)
    ROUTER.add(EnforcementRoutes())
    ACCOUNT_RESET_HOOKS.append(forget_account)
    LOADED.append("s3_policy")
