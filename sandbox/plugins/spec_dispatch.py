"""The dispatch table of an awslab provider for a service LocalStack community ships no generated
API class for (athena, cloudfront, cloudtrail): every operation of botocore's service model (the
spec LocalStack parses and serializes with) maps to the provider method of the same name in snake
case (botocore's xform_name); operations without a method are left out and answer 501 as before."""

from __future__ import annotations

from typing import Callable


def spec_dispatch_table(provider, service: str, wrap: Callable | None = None) -> dict:
    """Operation name -> handler(context, request). `wrap(operation, method)`, when given, builds the
    handler around the method (e.g. CloudFront's input checks)."""
    from botocore import xform_name
    from localstack.aws.spec import load_service

    table = {}
    for operation in load_service(service).operation_names:
        method = getattr(provider, xform_name(operation), None)
        if method is not None:
            table[operation] = wrap(operation, method) if wrap else method
    return table
