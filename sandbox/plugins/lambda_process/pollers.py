"""No asynchronous invocation is lost when a function is updated.

LocalStack queues asynchronous invocations (InvocationType=Event: EventBridge targets, S3
notifications, `invoke --invocation-type Event`) in an internal SQS queue per function version.
Each update (UpdateFunctionCode, UpdateFunctionConfiguration) starts a new event manager whose poller
reads the same queue, and stops the old poller (`LambdaEventManager.stop_for_update`). The old poller
is usually inside a 2 s long poll when told to stop; LocalStack 4.14's `Poller.run` then drops what
that poll returns ("Guard against shutdown event arriving while polling"), and the message stays
invisible for the function's timeout + 60 s before the new poller sees it. So an event that arrived
up to 2 s after an update ran a minute late (seen: the eventbridge-ec2-restart self-test, whose
second apply updates the function just before the grader stops the instance). Messages the stopped
poller had handed to its invoker pool but that had not started yet are cancelled the same way.

AWS queues the event and invokes the function once (Lambda Developer Guide, "Invoking a Lambda
function asynchronously"). `run` below is LocalStack's loop with one change: a message the old poller
received but will not handle is made visible again at once (ChangeMessageVisibility 0), so the new
poller invokes the new version with it.
"""

from __future__ import annotations

import logging
import time

LOG = logging.getLogger(__name__)


def install() -> None:
    from localstack.services.lambda_.invocation import event_manager
    from localstack.utils.patch import patch

    Poller = event_manager.Poller

    def release(sqs_client, queue_url: str, messages: list[dict]) -> None:
        """Give messages back to the queue for the poller of the new version."""
        # LocalStack's internal queue client has no ChangeMessageVisibility; its queue object does.
        for message in messages:
            try:
                queue = sqs_client.queue_manager.get_queue(queue_name=queue_url)
                queue.update_visibility_timeout(message["ReceiptHandle"], 0)
            except Exception as e:  # noqa: BLE001 (queue deleted with the function: nothing to hand over)
                LOG.debug("awslab: could not hand back Lambda event %s: %s", message.get("MessageId"), e)

    @patch(Poller.run, pass_target=False)
    def run(self, *args, **kwargs):
        sqs_client = event_manager.get_sqs_client(
            self.version_manager.function_version, client_config=event_manager.CLIENT_CONFIG)
        function_timeout = self.version_manager.function_version.config.timeout
        while not self._shutdown_event.is_set():
            try:
                response = sqs_client.receive_message(
                    QueueUrl=self.event_queue_url, WaitTimeSeconds=2, MaxNumberOfMessages=10,
                    VisibilityTimeout=function_timeout + 60)
                messages = response.get("Messages") or []
                if self._shutdown_event.is_set():
                    release(sqs_client, self.event_queue_url, messages)  # (LocalStack drops them)
                    return
                for i, message in enumerate(messages):
                    try:
                        future = self.invoker_pool.submit(self.handle_message, message)
                    except RuntimeError:  # stop() shut the pool down since the check above
                        release(sqs_client, self.event_queue_url, messages[i:])
                        return
                    # Cancelled by stop()'s pool shutdown before it ran: hand it over as well.
                    future.add_done_callback(
                        lambda f, m=message: f.cancelled() and release(sqs_client, self.event_queue_url, [m]))
            except Exception as e:  # noqa: BLE001 (LocalStack's loop: log, pause, poll again)
                if self._shutdown_event.is_set():
                    return
                LOG.error("Error while polling lambda events for function %s: %s",
                          self.version_manager.function_version.qualified_arn, e,
                          exc_info=LOG.isEnabledFor(logging.DEBUG))
                time.sleep(1)
