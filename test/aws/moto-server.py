"""moto's server, with DynamoDB requests handled one at a time.

moto checks a write's condition and then writes the item in two steps, and its server answers requests on several
threads, so two concurrent conditional writes to one item can both pass their condition (the rate-limiter contract
saw 6 grants from a bucket of 5). Real DynamoDB applies each conditional write atomically; taking DynamoDB requests
one at a time gives the tests that guarantee.

moto's SQS receive has the same gap: it checks that a message is visible and then marks it received, so two
concurrent receives can both take one message (the job-queue contract saw it in CI). Each scan of a queue is made one
at a time; a long poll waits for messages outside the lock, so it does not hold up the rest. KMS stays concurrent.

Usage: python test/aws/moto-server.py -H 127.0.0.1 -p PORT   (with the .venv-aws interpreter)
"""

import argparse
import os
import threading
import time

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.sqs.models import SQSBackend
from werkzeug.serving import run_simple


def dynamodb_one_at_a_time(app):
    lock = threading.Lock()

    def serve(environ, start_response):
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            return app(environ, start_response)
        with lock:
            return list(app(environ, start_response))  # the whole answer is made while the lock is held

    return serve


def sqs_receive_one_scan_at_a_time():
    scan_queue = SQSBackend.receive_message
    lock = threading.Lock()

    def receive_message(self, queue_name, count, wait_seconds_timeout, visibility_timeout, message_attribute_names=None):
        polling_end = time.time() + wait_seconds_timeout
        while True:
            with lock:
                received = scan_queue(self, queue_name, count, 0, visibility_timeout, message_attribute_names)
            if received or time.time() >= polling_end:
                return received
            self.get_queue(queue_name).wait_for_messages(1)

    SQSBackend.receive_message = receive_message


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))
    sqs_receive_one_scan_at_a_time()
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(args.host, args.port, dynamodb_one_at_a_time(app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
