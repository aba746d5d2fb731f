"""Built-in Lambda runtime for python3.x functions: the Runtime API loop, standard library only.

Started by the local Lambda service with _HANDLER, LAMBDA_TASK_ROOT and AWS_LAMBDA_RUNTIME_API set
(host:port/token: the path segment is the environment's token), or as a spare (LOCAL_LAMBDA_SPARE=1)
that reads its function's directory and environment from standard input. Error payloads and log lines
use the shapes of AWS's Python runtime (awslambdaric) so callers see what they would on AWS: the root
logger writes "[LEVEL]\t<time>Z\t<request id>\t<message>", or JSON lines with AWS_LAMBDA_LOG_FORMAT=JSON,
and AWS_LAMBDA_LOG_LEVEL sets its level.
"""
import _socket
import importlib
import json
import logging
import os
import sys
import time
import traceback

PREFIX = "/2018-06-01/runtime"


class RuntimeApi:
    """A minimal HTTP/1.1 client over one kept-alive socket.

    http.client would cost ~20 ms of imports at every cold start (email, ssl) and parses headers
    slowly; the Runtime API needs only Content-Length framing on loopback.
    """

    def __init__(self, address):
        # host:port, or host:port/base as clients build http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/...
        host_port, slash, base = address.partition("/")
        host, _, port = host_port.partition(":")
        self.host = host_port
        self.base = "/" + base if slash else ""
        self.sock = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
        self.sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
        self.sock.connect((host, int(port)))
        self.buffer = bytearray()

    def request(self, method, path, body=b"", headers=None):
        head = (f"{method} {self.base}{PREFIX}{path} HTTP/1.1\r\nHost: {self.host}\r\n"
                f"Content-Length: {len(body)}\r\n")
        for name, value in (headers or {}).items():
            head += f"{name}: {value}\r\n"
        self.sock.sendall(head.encode("latin-1") + b"\r\n" + body)
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            self._fill()
        lines = self.buffer[:end].decode("latin-1").split("\r\n")
        del self.buffer[:end + 4]
        response_headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            response_headers[name.strip().lower()] = value.strip()
        length = int(response_headers.get("content-length", "0"))
        while len(self.buffer) < length:
            self._fill()
        response_body = bytes(self.buffer[:length])
        del self.buffer[:length]
        return int(lines[0].split(" ", 2)[1]), response_headers, response_body

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("Runtime API closed the connection")
        self.buffer += chunk


def call(method, path, body=b"", headers=None):
    try:
        return CONN.request(method, path, body, headers)
    except OSError:
        # The service is gone: nothing may outlive it.
        os._exit(1)


def post_json(path, payload, error_type=None):
    headers = {"Content-Type": "application/json"}
    if error_type:
        headers["Lambda-Runtime-Function-Error-Type"] = error_type
    call("POST", path, json.dumps(payload).encode("utf-8"), headers)


class ClientContext:
    """The caller's client context, shaped as AWS's Python runtime gives it (attributes, not a dict)."""

    def __init__(self, raw):
        self.custom = raw.get("custom")
        self.env = raw.get("env")
        self.client = raw.get("client")


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


REQUEST_ID = ""
LOG_FORMAT_JSON = False


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = REQUEST_ID
        return True


class LambdaHandler(logging.Handler):
    """Writes formatted records to standard output as they are (the format ends the line)."""

    def emit(self, record):
        try:
            sys.stdout.write(self.format(record))
        except Exception:  # noqa: BLE001 - as logging.Handler.handleError would, quietly
            pass


_RESERVED = {"name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module", "exc_info",
             "exc_text", "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated", "thread",
             "threadName", "processName", "process", "aws_request_id", "taskName"}


class JsonFormatter(logging.Formatter):
    """The JSON lines of Lambda's advanced logging controls, as awslambdaric writes them."""

    def __init__(self):
        super().__init__(datefmt="%Y-%m-%dT%H:%M:%SZ")

    def format(self, record):
        record.levelno = min(50, max(0, record.levelno)) // 10 * 10
        record.levelname = logging.getLevelName(record.levelno)
        exc = record.exc_info
        result = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": record.levelname,
            "message": record.msg if isinstance(record.msg, dict) and not record.args else record.getMessage(),
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc[2]) if exc else None,
            "errorType": exc[0].__name__ if exc else None,
            "errorMessage": str(exc[1]) if exc else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": f"{record.pathname}:{record.funcName}:{record.lineno}" if exc else None,
        }
        result.update((k, v) for k, v in record.__dict__.items() if k not in _RESERVED and k not in result)
        return json.dumps({k: v for k, v in result.items() if v is not None}, default=str,
                          ensure_ascii=False) + "\n"


def setup_logging():
    """The root logger as Lambda's Python runtime sets it up (before the handler's module is imported)."""
    global LOG_FORMAT_JSON
    LOG_FORMAT_JSON = os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON"
    logging.Formatter.converter = time.gmtime
    handler = LambdaHandler()
    if LOG_FORMAT_JSON:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n", "%Y-%m-%dT%H:%M:%S"))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    level = {"TRACE": "DEBUG"}.get(os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper(),
                                   os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper())
    if level in logging._nameToLevel:
        root.setLevel(level)
    root.addHandler(handler)


def log_error(payload):
    """A handler's or init's error as Lambda's Python runtime logs it: one record, lines joined by \\r."""
    if LOG_FORMAT_JSON:
        record = {"timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "level": "ERROR", **payload}
        sys.stdout.write(json.dumps(record, default=str) + "\n")
        return
    lines = [f"[ERROR] {payload['errorType']}: {payload['errorMessage']}"]
    if payload.get("stackTrace") is not None:
        lines.append("Traceback (most recent call last):")
        for element in payload["stackTrace"]:
            for line in element.splitlines():
                stripped = line.lstrip(" ")
                lines.append("\u00a0" * (len(line) - len(stripped)) + stripped)
    sys.stdout.write("\r".join(lines) + "\n")


def stack_trace(exc):
    """The frames as awslambdaric reports them: the runtime's own leading frames left out, and each
    frame as a plain (file, line, function, text) tuple, so no column markers (^^^^) are drawn."""
    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(exc.__traceback__)]
    for i, frame in enumerate(frames):
        if not frame[0].endswith("/bootstrap.py"):
            return traceback.format_list(frames[i:])
    return traceback.format_list(frames)


def error_payload(exc, request_id, error_type=None, message=None):
    return {
        "errorMessage": message if message is not None else str(exc),
        "errorType": error_type or type(exc).__name__,
        "requestId": request_id,
        "stackTrace": stack_trace(exc) if exc else [],
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


def warm_up():
    """What a spare does ahead of its function that a fresh process would do while importing it:
    the first compile() of a process costs ~1 ms (and two collections) more than the next ones here,
    and the handler's module is compiled as it is imported (its read-only task root keeps no bytecode)."""
    compile("def handler(event, context):\n    return {'ok': True}\n", "<spare>", "exec")


def take_function():
    """Makes a spare runtime, started before its function was known, what a fresh process started
    for the function would be. The spare started with the variables every function shares; the
    function's complete set is a superset, and what the interpreter set itself as it started (locale
    coercion sets LC_CTYPE) stays, as it would in a fresh process."""
    assignment = json.loads(sys.stdin.buffer.read())
    del os.environ["LOCAL_LAMBDA_SPARE"]
    os.environ.update(assignment["env"])
    os.chdir(assignment["cwd"])


CONN = None


def main():
    global CONN, REQUEST_ID
    if os.environ.get("LOCAL_LAMBDA_SPARE") == "1":
        warm_up()
        take_function()
    setup_logging()
    CONN = RuntimeApi(os.environ["AWS_LAMBDA_RUNTIME_API"])
    handler, init_error = load_handler()
    if init_error:
        log_error(init_error)
        sys.stdout.flush()
        post_json("/init/error", init_error, init_error["errorType"])
        sys.exit(1)
    while True:
        _, headers, body = call("GET", "/invocation/next")
        request_id = headers.get("lambda-runtime-aws-request-id")
        REQUEST_ID = request_id
        client_context = headers.get("lambda-runtime-client-context")
        identity = headers.get("lambda-runtime-cognito-identity")
        context = LambdaContext(request_id, int(headers.get("lambda-runtime-deadline-ms", "0")),
                                headers.get("lambda-runtime-invoked-function-arn"),
                                ClientContext(json.loads(client_context)) if client_context else None,
                                json.loads(identity) if identity else None)
        os.environ["_X_AMZN_TRACE_ID"] = headers.get("lambda-runtime-trace-id", "")
        try:
            result = handler(json.loads(body) if body else None, context)
        except Exception as exc:  # noqa: BLE001 - a handler's error is reported, not fatal
            payload = error_payload(exc, request_id)
            log_error(payload)
            sys.stdout.flush()
            post_json(f"/invocation/{request_id}/error", payload, "Unhandled")
            continue
        try:
            encoded = json.dumps(result).encode("utf-8")
        except (TypeError, ValueError) as exc:
            payload = error_payload(None, request_id, "Runtime.MarshalError", f"Unable to marshal response: {exc}")
            log_error(payload)
            sys.stdout.flush()
            post_json(f"/invocation/{request_id}/error", payload, "Runtime.MarshalError")
            continue
        call("POST", f"/invocation/{request_id}/response", encoded, {"Content-Type": "application/json"})


if __name__ == "__main__":
    main()
