"""Caller identity plugin: resolves a request's access key to root / IAM user / role session
(callers.py) for the other plugins, and answers GET /_awslab/identity/<access-key-id> with the
principal and its CloudTrail userIdentity element (for the grader and tests)."""

from localstack.runtime import hooks


@hooks.on_infra_start()
def awslab_caller_identity():
    from localstack.services.edge import ROUTER

    from .. import ACCOUNT_RESET_HOOKS, LOADED
    from .routes import IdentityRoutes
    from .sessions import forget_account

    ROUTER.add(IdentityRoutes())
    ACCOUNT_RESET_HOOKS.append(forget_account)
    LOADED.append("identity")
