"""CloudFront plugin: the CloudFront API (LocalStack 4.14 community answers 501 for it) and the edge
that serves distributions, with signed URL / signed cookie checks and S3 origins that honour the
bucket policy. See sandbox/plugins/README.md.

Two entry points (pyproject.toml):
- `localstack.aws.provider` "cloudfront:awslab" (selected by PROVIDER_OVERRIDE_CLOUDFRONT=awslab in
  sandbox/emulator.env): the API, loaded on the first CloudFront call like any LocalStack service;
- `localstack.hooks.on_infra_start`: the edge (Host-header handler and /_awslab/cloudfront/ route)
  and the per-account reset of what lives outside the store (edge cache, alias index).
"""

from localstack.runtime import hooks
from localstack.services.plugins import Service, aws_provider


@aws_provider(api="cloudfront", name="awslab")
def cloudfront_awslab():
    from .provider import CloudFrontProvider

    provider = CloudFrontProvider()
    return Service.for_provider(provider, dispatch_table_factory=lambda p: p.dispatch_table())


@hooks.on_infra_start()
def awslab_cloudfront_edge():
    from localstack.aws.handlers import preprocess_request
    from localstack.services.edge import ROUTER

    from .. import ACCOUNT_RESET_HOOKS, LOADED
    from . import edge, edge_cache, models
    from .router_fix import fix_fixed_query_arguments

    fix_fixed_query_arguments()
    preprocess_request.append(edge.serve_host_header)
    ROUTER.add(edge.EdgeRoutes())

    def reset(account_id: str) -> None:
        edge_cache.drop_account(account_id)
        models.drop_account_aliases(account_id)

    ACCOUNT_RESET_HOOKS.append(reset)
    LOADED.append("cloudfront")
