"""Wrong (gaming): the reference build, but the function only prints; a loop of the learner's
own, with the account's credentials, starts the instance whenever it is stopped. The instance
does run again, but not because of the architecture."""

from _common import instance, only_print, restart_loop

EXPECT = {"stop-restarts-instance": "started again by root"}


def build(learner):
    only_print(learner)


def background(learner, stop):
    restart_loop(learner.client("ec2"), instance(learner)[0], stop)
