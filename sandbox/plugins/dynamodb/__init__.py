"""DynamoDB and DynamoDB Streams without a download: providers on moto's DynamoDB backend.

LocalStack 4.14's own providers forward every request to DynamoDB Local, which they download with
a Java 21 at first use (unreachable offline; DynamoDB Local's licence is not open source either).
moto's backend ships inside LocalStack's moto-ext and is maintained. See sandbox/plugins/README.md,
section dynamodb. Selected by PROVIDER_OVERRIDE_DYNAMODB=awslab and
PROVIDER_OVERRIDE_DYNAMODBSTREAMS=awslab in sandbox/emulator.env.
"""

from localstack.services.plugins import aws_provider


@aws_provider(api="dynamodb", name="awslab")
def dynamodb_awslab():
    from localstack.services.moto import MotoFallbackDispatcher
    from localstack.services.plugins import Service

    from . import moto_fixes
    from .provider import DynamoDBProvider

    moto_fixes.install()
    return Service.for_provider(DynamoDBProvider(), dispatch_table_factory=MotoFallbackDispatcher)


@aws_provider(api="dynamodbstreams", name="awslab")
def dynamodbstreams_awslab():
    from localstack.services.moto import MotoFallbackDispatcher
    from localstack.services.plugins import Service

    from .provider import DynamoDBStreamsProvider

    return Service.for_provider(DynamoDBStreamsProvider(), dispatch_table_factory=MotoFallbackDispatcher)
