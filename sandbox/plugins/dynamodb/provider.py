"""The two providers: every operation goes to moto (MotoFallbackDispatcher); what is here is the
state hand-over to LocalStack's state visitors, so the per-account reset clears an account's tables
and streams (moto keeps stream records inside its table objects)."""

from __future__ import annotations

from localstack.aws.api.dynamodb import DynamodbApi
from localstack.aws.api.dynamodbstreams import DynamodbstreamsApi
from localstack.services.plugins import ServiceLifecycleHook
from localstack.state import StateVisitor


class DynamoDBProvider(DynamodbApi, ServiceLifecycleHook):
    service = "dynamodb"

    def accept_state_visitor(self, visitor: StateVisitor):
        from moto.dynamodb.models import dynamodb_backends

        visitor.visit(dynamodb_backends)


class DynamoDBStreamsProvider(DynamodbstreamsApi, ServiceLifecycleHook):
    service = "dynamodbstreams"

    def accept_state_visitor(self, visitor: StateVisitor):
        from moto.dynamodbstreams.models import dynamodbstreams_backends

        visitor.visit(dynamodbstreams_backends)
