"""Built-in Lambda runtime for python3.x functions: the Runtime API loop, standard library only.

Started by the local Lambda service with _HANDLER, LAMBDA_TASK_ROOT and AWS_LAMBDA_RUNTIME_API set.
Error payloads use the shapes of AWS's Python runtime so callers see what they would on AWS.
"""
import http.client
import importlib
import json
import os
import sys
import time
import traceback

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
HOST, _, PORT = API.partition(":")
PREFIX = "/2018-06-01/runtime"
# One kept-alive connection to the Runtime API, as the official client does.
CONN = http.client.HTTPConnection(HOST, int(PORT))


def call(method, path, body=None, headers=None):
    for attempt in (1, 2):
        try:
            CONN.request(method, PREFIX + path, body=body, headers=headers or {})
            response = CONN.getresponse()
            return response, response.read()
        except (ConnectionError, http.client.HTTPException):
            CONN.close()
            if attempt == 2:
                # The service is gone: nothing may outlive it.
                os._exit(1)


def post_json(path, payload, error_type=None):
    headers = {"Content-Type": "application/json"}
    if error_type:
        headers["Lambda-Runtime-Function-Error-Type"] = error_type
    call("POST", path, json.dumps(payload).encode("utf-8"), headers)


class LambdaContext:
    def __init__(self, request_id, deadline_ms, arn, client_context, identity):
        self.aws_request_id = request_id
        self.invoked_function_arn = arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.client_context = client_context
        self.identity = identity
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline_ms - int(time.time() * 1000))


def error_payload(exc, request_id, error_type=None, message=None):
    return {
        "errorMessage": message if message is not None else str(exc),
        "errorType": error_type or type(exc).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_list(traceback.extract_tb(exc.__traceback__)) if exc else [],
    }


def load_handler():
    module_name, _, function_name = os.environ["_HANDLER"].rpartition(".")
    sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except SyntaxError as exc:
        return None, error_payload(exc, "", "Runtime.UserCodeSyntaxError",
                                   f"Syntax error in module '{module_name}': {exc}")
    except ImportError as exc:
        return None, error_payload(exc, "", "Runtime.ImportModuleError",
                                   f"Unable to import module '{module_name}': {exc}")
    except Exception as exc:  # noqa: BLE001 - any failure at import is the user's init error
        return None, error_payload(exc, "")
    handler = getattr(module, function_name, None)
    if handler is None:
        return None, {"errorMessage": f"Handler '{function_name}' missing on module '{module_name}'",
                      "errorType": "Runtime.HandlerNotFound", "requestId": "", "stackTrace": []}
    return handler, None


def main():
    handler, init_error = load_handler()
    if init_error:
        print(f"[ERROR] {init_error['errorType']}: {init_error['errorMessage']}", flush=True)
        post_json("/init/error", init_error, init_error["errorType"])
        sys.exit(1)
    while True:
        response, body = call("GET", "/invocation/next")
        request_id = response.getheader("Lambda-Runtime-Aws-Request-Id")
        client_context = response.getheader("Lambda-Runtime-Client-Context")
        identity = response.getheader("Lambda-Runtime-Cognito-Identity")
        context = LambdaContext(request_id, int(response.getheader("Lambda-Runtime-Deadline-Ms", "0")),
                                response.getheader("Lambda-Runtime-Invoked-Function-Arn"),
                                json.loads(client_context) if client_context else None,
                                json.loads(identity) if identity else None)
        os.environ["_X_AMZN_TRACE_ID"] = response.getheader("Lambda-Runtime-Trace-Id", "")
        try:
            result = handler(json.loads(body) if body else None, context)
        except Exception as exc:  # noqa: BLE001 - a handler's error is reported, not fatal
            payload = error_payload(exc, request_id)
            print(f"[ERROR] {payload['errorType']}: {payload['errorMessage']}", flush=True)
            traceback.print_exc(file=sys.stdout)
            sys.stdout.flush()
            post_json(f"/invocation/{request_id}/error", payload, "Unhandled")
            continue
        try:
            encoded = json.dumps(result).encode("utf-8")
        except (TypeError, ValueError) as exc:
            payload = error_payload(None, request_id, "Runtime.MarshalError", f"Unable to marshal response: {exc}")
            print(f"[ERROR] Runtime.MarshalError: {payload['errorMessage']}", flush=True)
            post_json(f"/invocation/{request_id}/error", payload, "Runtime.MarshalError")
            continue
        call("POST", f"/invocation/{request_id}/response", encoded, {"Content-Type": "application/json"})


if __name__ == "__main__":
    main()
