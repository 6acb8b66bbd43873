"""EventBridge: a disabled rule does not match events.

LocalStack 4.14 community stores a rule's state (DisableRule / PutRule State=DISABLED) but still
sends matching events to its targets. On AWS "a disabled rule won't match any events" (Amazon
EventBridge API Reference, DisableRule, https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_DisableRule.html).
A learner who left a rule disabled must see the same thing here as on AWS.
"""

from localstack.runtime import hooks


def is_disabled(rule) -> bool:
    """Whether a rule of LocalStack's EventBridge store is disabled (its state is an enum or a str)."""
    return str(getattr(rule.state, "value", rule.state)) == "DISABLED"


# Before the journal (priority 10): the journal's patch then wraps this one and records the rule
# as "not matched (disabled)".
@hooks.on_infra_start(priority=20)
def awslab_eventbridge_rules():
    from localstack.services.events.provider import EventsProvider
    from localstack.utils.patch import patch

    from .. import LOADED

    @patch(EventsProvider._process_rules)
    def _skip_disabled(fn, self, rule, region, account_id, event_formatted, trace_header):
        if is_disabled(rule):
            return None
        return fn(self, rule, region, account_id, event_formatted, trace_header)

    LOADED.append("eventbridge_rules")
