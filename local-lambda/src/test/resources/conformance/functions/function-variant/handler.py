import os
import socket
import time

# Which configuration the environment was started with (LocalStack's
# lambda_s3_integration_function_version.py reads the same variable).
FUNCTION_VARIANT = os.environ.get("FUNCTION_VARIANT")


def handler(event, context):
    # Where LocalStack's notifier sends an SQS message, this one tells a port on loopback that it runs.
    if port := event.get("notify_port"):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as notify:
            notify.sendall(f"{event.get('request_prefix')} {context.aws_request_id}\n".encode())
    sleep_duration = int(event.get("sleep_seconds", 0))
    if sleep_duration > 0:
        print(f"Sleeping for {sleep_duration} seconds ...")
        time.sleep(sleep_duration)
        print("... done sleeping")
    request_prefix = event.get("request_prefix")
    # Where LocalStack's function puts an S3 object named so, this one writes a log line.
    print(f"ran {request_prefix}--{FUNCTION_VARIANT} {context.aws_request_id}")
    return {
        "function_version": context.function_version,
        "request_id": context.aws_request_id,
        "request_prefix": request_prefix,
        "function_variant": FUNCTION_VARIANT,
    }
