"""Wrong: everything as in the reference, but the role may only describe instances: on AWS the
function's StartInstances is refused."""

from _common import DETAIL_HANDLER, instance, rule

EXPECT = {"role-can-start-instance": "do not allow ec2:StartInstances"}


def build(learner):
    iid, _ = instance(learner)
    role = learner.role(learner.names["role"], [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}])
    arn = learner.function(learner.names["function"], role, DETAIL_HANDLER, {"INSTANCE_ID": iid})
    pattern = {"source": ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"],
               "detail": {"state": ["stopped"], "instance-id": [iid]}}
    rule_arn = rule(learner, "restart-on-stop", pattern, {"Id": "fn", "Arn": arn})
    learner.client("lambda").add_permission(
        FunctionName=learner.names["function"], StatementId="events",
        Action="lambda:InvokeFunction", Principal="events.amazonaws.com", SourceArn=rule_arn)
