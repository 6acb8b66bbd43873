"""Wrong: everything as in the reference, but the role may only describe instances: on AWS the
function's StartInstances is refused."""

from _common import DETAIL_HANDLER, instance, permit, rule, stop_pattern

EXPECT = {"role-can-start-instance": "do not allow ec2:StartInstances"}


def build(learner):
    iid, _ = instance(learner)
    role = learner.role(learner.names["role"], [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}])
    arn = learner.function(learner.names["function"], role, DETAIL_HANDLER, {"INSTANCE_ID": iid})
    permit(learner, rule(learner, "restart-on-stop", stop_pattern(iid), {"Id": "fn", "Arn": arn}))
