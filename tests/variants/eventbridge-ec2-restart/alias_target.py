"""Correct, unlike the reference: the rule's target is an alias ARN (a published version behind
alias "live"), the invoke permission is granted on the alias (AddPermission with Qualifier), the
pattern names the instance by `resources` instead of detail.instance-id, and the role has only
ec2:StartInstances on this instance (plus DescribeInstances)."""

from _common import DETAIL_HANDLER, instance, permit, rule, start_policy

EXPECT = "full"


def build(learner):
    iid, instance_arn = instance(learner)
    role = learner.role(learner.names["role"], start_policy(instance_arn))
    learner.function(learner.names["function"], role, DETAIL_HANDLER, {"INSTANCE_ID": iid})
    alias = learner.publish_alias(learner.names["function"], "live")
    pattern = {"source": ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"],
               "resources": [instance_arn], "detail": {"state": ["stopped"]}}
    rule_arn = rule(learner, "restart-on-stop", pattern, {"Id": "live", "Arn": alias})
    permit(learner, rule_arn, Qualifier="live")
