"""Remove given messages from a queue without receiving them.

The grader's flow checks send probe events through the learner's pipeline; afterwards they take
exactly their own messages out again. Receiving would change other messages' receive counts and
visibility, which the learner would notice.
"""

from __future__ import annotations

import heapq

from localstack.services.sqs.models import FifoQueue, sqs_stores


def remove_messages(account_id: str, region: str, queue_name: str, message_ids: list[str]) -> list[str] | None:
    if account_id not in sqs_stores or region not in sqs_stores[account_id]:
        return None
    queue = sqs_stores[account_id][region].queues.get(queue_name)
    if queue is None:
        return None
    wanted = set(message_ids)
    removed: list[str] = []
    with queue.mutex:
        if isinstance(queue, FifoQueue):
            # FIFO group bookkeeping is intricate; probes only target standard queues.
            return removed
        for message in list(queue.inflight) + list(queue.delayed) + list(queue.visible.queue):
            if message.message["MessageId"] not in wanted or message.deleted:
                continue
            message.deleted = True
            for handle in message.receipt_handles:
                queue.receipts.pop(handle, None)
            message.receipt_handles.clear()
            queue.inflight.pop(message, None)
            queue.delayed.discard(message)
            if message in queue.visible.queue:
                queue.visible.queue.remove(message)
                heapq.heapify(queue.visible.queue)
            removed.append(message.message["MessageId"])
    return removed
