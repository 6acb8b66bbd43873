"""Wrong: the rule targets the alias, but the invoke permission was added to the function
itself (no Qualifier): on AWS, EventBridge may not invoke the alias."""

from _common import DETAIL_HANDLER, instance, rule, start_policy

EXPECT = {"invoke-permission": "has no resource-based policy"}


def build(learner):
    iid, instance_arn = instance(learner)
    role = learner.role(learner.names["role"], start_policy(instance_arn))
    learner.function(learner.names["function"], role, DETAIL_HANDLER, {"INSTANCE_ID": iid})
    alias = learner.publish_alias(learner.names["function"], "live")
    pattern = {"source": ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"],
               "detail": {"state": ["stopped"], "instance-id": [iid]}}
    rule_arn = rule(learner, "restart-on-stop", pattern, {"Id": "live", "Arn": alias})
    learner.client("lambda").add_permission(
        FunctionName=learner.names["function"], StatementId="events",
        Action="lambda:InvokeFunction", Principal="events.amazonaws.com", SourceArn=rule_arn)
