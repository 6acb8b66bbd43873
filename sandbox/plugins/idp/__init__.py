"""awslab's built-in SAML identity provider (IdP), one per learner account.

Offline there is no external IdP (the blog uses GMO Trust Login), so the emulator hosts one: a signing
key and self-signed certificate, metadata to download and register in IAM, users, and the settings of
its "AWS" app (the Role attribute's "roleArn,providerArn" pairs, RoleSessionName, SessionDuration).
Its single sign-on issues signed SAMLResponses for AWS's sign-in endpoint. Routes under
/_awslab/idp/<account>/ (routes.py); state in memory, cleared by the account reset.
"""

from localstack.runtime import hooks


@hooks.on_infra_start()
def awslab_idp():
    from localstack.services.edge import ROUTER

    from .. import ACCOUNT_RESET_HOOKS, LOADED
    from .pages import IdpPages
    from .routes import IdpRoutes
    from .state import clear

    ROUTER.add(IdpRoutes())
    ROUTER.add(IdpPages())
    ACCOUNT_RESET_HOOKS.append(clear)
    LOADED.append("idp")
