"""A fix for LocalStack 4.14's REST operation router, which CloudFront's tagging API needs.

The router (localstack/aws/protocol/op_router.py, _HttpOperation.from_operation) keeps the values
of an operation's fixed query arguments (`POST /2020-05-31/tagging?Operation=Untag`) as a one-shot
`filter` iterator. The first match attempt consumes it; from then on the value is no longer
compared, and an UntagResource request is routed to TagResource (seen here: the second tagging call
of a session failed with "The parameter Key is required"). Keeping the values as lists is the whole
fix; it applies to every REST service the router serves and changes nothing else.
"""

from localstack.aws.protocol import op_router


def fix_fixed_query_arguments() -> None:
    original = op_router._HttpOperation.from_operation
    if getattr(original, "awslab_fixed", False):
        return

    def from_operation(op):
        http_operation = original(op)
        return http_operation._replace(query_args={k: list(v) for k, v in http_operation.query_args.items()})

    from_operation.awslab_fixed = True
    op_router._HttpOperation.from_operation = staticmethod(from_operation)
