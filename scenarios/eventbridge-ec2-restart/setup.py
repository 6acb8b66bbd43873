"""`awslab start eventbridge-ec2-restart`: launch the instance the learner must keep running
(step 1 of the blog), tagged Name=<instance> so that the learner and the grader can find it."""

# An Amazon Linux image that LocalStack's EC2 (moto) knows in every region; looking one up with
# describe-images filters would take about 2 s of the start.
IMAGE_ID = "ami-760aaa0f"


def setup(env):
    env.client("ec2").run_instances(
        ImageId=IMAGE_ID, InstanceType="t2.micro", MinCount=1, MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance",
                            "Tags": [{"Key": "Name", "Value": env.names["instance"]}]}],
    )
