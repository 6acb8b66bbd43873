"""Verified SAML federation: STS AssumeRoleWithSAML as AWS does it.

LocalStack (moto) accepts unsigned and tampered assertions, ignores the provider and the role's trust
policy, and crashes on a Role attribute with several values. A handler on
`serve_custom_service_request_handlers` answers AssumeRoleWithSAML itself: it verifies the response
against the SAML provider's metadata (sandbox/saml.py), evaluates the role's trust policy with
sandbox/iam_policy.py, and only then creates the role session in moto's STS backend, so that
GetCallerIdentity and every later call with the temporary credentials see the assumed role.
It also refuses CreateSAMLProvider / UpdateSAMLProvider with metadata IAM could not parse, and serves
the stand-in of AWS's SAML sign-in page for the IdP's web login (signin.py).
Refusals and sources: handler.py and sandbox/plugins/README.md.
"""

from localstack.runtime import hooks


@hooks.on_infra_start()
def awslab_saml_federation():
    from localstack.aws.handlers import serve_custom_service_request_handlers
    from localstack.services.edge import ROUTER

    from .. import LOADED
    from .handler import verified_federation
    from .signin import SigninPages

    serve_custom_service_request_handlers.append(verified_federation)
    ROUTER.add(SigninPages())
    LOADED.append("saml_federation")
