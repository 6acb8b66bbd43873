"""EC2 state-change events: "EC2 Instance State-change Notification" from aws.ec2 on the default bus.

LocalStack community changes an instance's state (moto) but emits no EventBridge event, so a rule
that reacts to an instance stopping never fires. AWS sends one event per state an instance enters
(Amazon EC2 User Guide, "State change events for Amazon EC2 instances",
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/monitoring-instance-state-changes.html).
A response handler sees the learner's RunInstances / StartInstances / StopInstances /
TerminateInstances and a worker thread puts the events, off the request path.
"""

from localstack.runtime import hooks


@hooks.on_infra_start()
def awslab_ec2_state_events():
    from localstack.aws.handlers import run_custom_response_handlers

    from .. import LOADED
    from .handler import emit_state_changes

    run_custom_response_handlers.append(emit_state_changes)
    LOADED.append("ec2_events")
