"""Wrong: the rule targets the alias, but the invoke permission was added to the function
itself (no Qualifier): on AWS, EventBridge may not invoke the alias."""

from _common import DETAIL_HANDLER, instance, permit, rule, start_policy, stop_pattern

EXPECT = {"invoke-permission": "has no resource-based policy"}


def build(learner):
    iid, instance_arn = instance(learner)
    role = learner.role(learner.names["role"], start_policy(instance_arn))
    learner.function(learner.names["function"], role, DETAIL_HANDLER, {"INSTANCE_ID": iid})
    alias = learner.publish_alias(learner.names["function"], "live")
    permit(learner, rule(learner, "restart-on-stop", stop_pattern(iid), {"Id": "live", "Arn": alias}))
