"""Authorization plugin: IAM decides every AWS call, on by default for every account (handler.py;
S3's part in s3.py), per-account switch (settings.py, routes.py). LocalStack 4.14 community stores
IAM, bucket, queue, topic, function, key, secret and event bus policies but applies none of them."""

from localstack.runtime import hooks


@hooks.on_infra_start()
def awslab_authorization():
    from localstack.aws.handlers import serve_custom_service_request_handlers
    from localstack.services.edge import ROUTER

    from .. import ACCOUNT_RESET_HOOKS, LOADED, changes
    from .handler import authorize_request
    from .routes import EnforcementRoutes
    from .s3 import validate_bucket_policy
    from .settings import forget_account

    changes.install()  # write counters behind the caller and policy caches
    serve_custom_service_request_handlers.append(validate_bucket_policy)
    serve_custom_service_request_handlers.append(authorize_request)
    ROUTER.add(EnforcementRoutes())
    ACCOUNT_RESET_HOOKS.append(forget_account)
    LOADED.append("authz")
