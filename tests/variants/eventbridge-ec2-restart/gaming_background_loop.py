"""Wrong (gaming): the reference build, but the function only prints; a loop of the learner's
own, with the account's credentials, starts the instance whenever it is stopped. The instance
does run again, but not because of the architecture."""

import time

from _common import instance

from tests.lambda_functions import zip_source

EXPECT = {"stop-restarts-instance": "started again by root"}

HANDLER = '''def lambda_handler(event, context):
    print("stopped:", event)
'''


def build(learner):
    learner.solve()
    learner.client("lambda").update_function_code(
        FunctionName=learner.names["function"], ZipFile=zip_source(HANDLER))
    learner.client("lambda").get_waiter("function_updated_v2").wait(
        FunctionName=learner.names["function"], WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})


def background(learner, stop):
    iid, _ = instance(learner)
    ec2 = learner.client("ec2")
    while not stop.is_set():
        state = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]["State"]["Name"]
        if state == "stopped":
            ec2.start_instances(InstanceIds=[iid])
        time.sleep(0.1)
