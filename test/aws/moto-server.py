"""moto's server, with DynamoDB requests handled one at a time.

moto checks a write's condition and then writes the item in two steps, and its server answers requests on several
threads, so two concurrent conditional writes to one item can both pass their condition (the rate-limiter contract
saw 6 grants from a bucket of 5). Real DynamoDB applies each conditional write atomically; taking DynamoDB requests
one at a time gives the tests that guarantee. SQS and KMS stay concurrent: a long poll must not hold up the rest.

Usage: python test/aws/moto-server.py -H 127.0.0.1 -p PORT   (with the .venv-aws interpreter)
"""

import argparse
import os
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple


def dynamodb_one_at_a_time(app):
    lock = threading.Lock()

    def serve(environ, start_response):
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            return app(environ, start_response)
        with lock:
            return list(app(environ, start_response))  # the whole answer is made while the lock is held

    return serve


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(args.host, args.port, dynamodb_one_at_a_time(app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
