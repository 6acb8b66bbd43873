"""Internal-calls plugin: only LocalStack's own cross-service calls count as internal.

LocalStack marks its internal calls (S3 -> SQS notifications, event source mapping pollers,
CloudFormation, EventBridge targets ...) with the `x-localstack-data` request header: its internal
boto clients add it (`localstack.aws.connect._handler_inject_dto_header`) and send the request over
HTTP to the gateway's own port, and the first handler of the chain
(`InternalRequestParamsEnricher`) turns any such header into `context.is_internal_call`. A request
from outside carrying the header was therefore internal too: no SigV4 check in classroom mode, no
policy enforcement, any account. Runs in every mode, since handlers of every mode trust
`is_internal_call`.

How: every data transfer object LocalStack serialises (`connect.dump_dto`, which all its producers
call) carries a per-process secret; the enricher accepts a header only with that secret, removes it
again before anything else reads the header, and otherwise strips LocalStack's internal-only headers
from the request, so the request is an ordinary external one.
"""

from localstack.runtime import hooks


# Before every other awslab hook, so no handler they add can see a request before it is settled.
@hooks.on_infra_start(priority=100)
def awslab_internal_calls():
    from .. import LOADED
    from .edge import install

    install()
    LOADED.append("internal_calls")
