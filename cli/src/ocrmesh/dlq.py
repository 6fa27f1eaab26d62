"""ocrmesh dlq: what the dead-letter queues hold, and moving it back to work.

  ocrmesh dlq list                       one JSON line per work queue: its depth and its DLQ's
  ocrmesh dlq redrive QUEUE [--limit N]  move up to N messages (default: all there now) from QUEUE.dlq back to QUEUE

A redrive takes one message from the DLQ unacknowledged, publishes it to the work queue with publisher confirms
(persistent, its properties and headers kept; `x-death` tells it was dead-lettered), and acknowledges it on the DLQ
only once the broker confirmed the copy. Stopped at any point (Ctrl-C, SIGKILL, a broker restart) nothing is lost:
the message in hand goes back to the DLQ; at worst it is in both queues, and the image-store stores it once (its
writes are idempotent). Each run moves at most the messages there when it began, so a message that fails again
and comes back is not redriven in a loop. Fix the cause before a redrive (`ocrmesh dlq list`, the image-store's log).
"""
from __future__ import annotations

import argparse
import json
import os

import pika

from ocr_common.messages import IMAGE_DATA_QUEUE, IMAGE_QUEUE, PERSISTENT, TEXT_CORRECTION_QUEUE, dead_letter_queue, queue_depth

DEFAULT_RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
DLQ_SUFFIX = dead_letter_queue("")


def work_queues() -> list[str]:
    """The queues of this deployment: the services' settings of the same names, else the original names."""
    return [os.environ.get("IMAGE_QUEUE", IMAGE_QUEUE), os.environ.get("IMAGE_DATA_QUEUE", IMAGE_DATA_QUEUE),
            os.environ.get("TEXT_CORRECTION_QUEUE", TEXT_CORRECTION_QUEUE)]


def list_queues(url: str, queues: list[str]) -> list[dict]:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        rows = []
        for queue in queues:
            work, dlq = queue_depth(connection, queue), queue_depth(connection, dead_letter_queue(queue))
            rows.append({"queue": queue, "messages": work[0] if work else None, "consumers": work[1] if work else None,
                         "dlq": dead_letter_queue(queue), "dlq_messages": dlq[0] if dlq else None})
        return rows
    finally:
        connection.close()


def redrive(url: str, queue: str, limit: int | None = None) -> int:
    """Moves up to `limit` messages (default: those there now) from `queue`'s DLQ back to `queue`; returns how many."""
    queue = queue.removesuffix(DLQ_SUFFIX)
    dlq = dead_letter_queue(queue)
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        if queue_depth(connection, queue) is None:
            raise ValueError(f"queue {queue} does not exist on this broker")
        found = queue_depth(connection, dlq)
        if found is None:
            raise ValueError(f"queue {dlq} does not exist on this broker")
        todo = found[0] if limit is None else min(limit, found[0])
        channel = connection.channel()
        channel.confirm_delivery()
        moved = 0
        while moved < todo:
            method, properties, body = channel.basic_get(dlq, auto_ack=False)
            if method is None:
                break
            properties.delivery_mode = PERSISTENT
            # Raises if the broker does not confirm it (nack, or unroutable: mandatory); the DLQ keeps the message.
            channel.basic_publish(exchange="", routing_key=queue, body=body, properties=properties, mandatory=True)
            channel.basic_ack(method.delivery_tag)
            moved += 1
        return moved
    finally:
        connection.close()


def run_dlq(args: argparse.Namespace) -> int:
    if args.dlq_command == "list":
        for row in list_queues(args.rabbitmq_url, args.queue or work_queues()):
            print(json.dumps(row))
        return 0
    moved = redrive(args.rabbitmq_url, args.name, args.limit)
    print(json.dumps({"queue": args.name.removesuffix(DLQ_SUFFIX), "redriven": moved}))
    return 0


def add_dlq(sub) -> None:
    p = sub.add_parser("dlq", help="dead-letter queues: list their depths, redrive their messages",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rabbitmq-url", default=os.environ.get("RABBITMQ_URL", DEFAULT_RABBITMQ_URL),
                   help="the broker (default: RABBITMQ_URL, else the local one)")
    cmds = p.add_subparsers(dest="dlq_command", required=True)
    ls = cmds.add_parser("list", help="each work queue's depth and its DLQ's")
    ls.add_argument("--queue", action="append", help="a work queue (repeatable; default: IMAGE_QUEUE, "
                    "IMAGE_DATA_QUEUE, TEXT_CORRECTION_QUEUE or the original names)")
    rd = cmds.add_parser("redrive", help="move a DLQ's messages back to their work queue")
    rd.add_argument("name", help="the work queue (or its .dlq)")
    rd.add_argument("--limit", type=int, default=None, help="at most this many (default: all there now)")
    p.set_defaults(func=run_dlq)


