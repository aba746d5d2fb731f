"""Drives the local Lambda service with clients nobody on this project wrote: boto3 and the AWS CLI.

Usage: python aws_clients_check.py ENDPOINT
Walks create -> wait (boto3's own waiter) -> invoke with log tail -> handler error -> delete, plus
the AWS CLI's invoke, get-function and list-functions, and checks every answer. Exits non-zero with
the first mismatch. Run by AwsClientsIT inside the single test command.
"""
import base64
import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile

import boto3
import botocore.config
import botocore.exceptions

ENDPOINT = sys.argv[1]
ROLE = "arn:aws:iam::000000000000:role/lambda-test"
NAME = "boto3-check"
CODE = '''
def lambda_handler(event, context):
    print("hello from", context.function_name)
    if event.get("fail"):
        raise RuntimeError("asked to fail")
    return {"sum": sum(event.get("numbers", []))}
'''
ENV = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1")


def check(condition, message):
    if not condition:
        print("FAILED:", message, file=sys.stderr)
        sys.exit(1)
    print("ok:", message)


def package():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lambda_function.py", CODE)
    return buffer.getvalue()


def aws(*args):
    """The AWS CLI from the same venv, against the local service."""
    cli = os.path.join(os.path.dirname(sys.executable), "aws")
    out = subprocess.run([cli, "--endpoint-url", ENDPOINT, "--region", "us-east-1", "--output", "json", *args],
                         env=ENV, capture_output=True, text=True, timeout=60)
    return out


lambda_client = boto3.client("lambda", endpoint_url=ENDPOINT, region_name="us-east-1",
                             aws_access_key_id="test", aws_secret_access_key="test")

created = lambda_client.create_function(FunctionName=NAME, Runtime="python3.12", Role=ROLE,
                                        Handler="lambda_function.lambda_handler", Code={"ZipFile": package()},
                                        Tags={"purpose": "check"})
check(created["State"] == "Pending", "create reports State Pending")
check(created["ResponseMetadata"]["HTTPStatusCode"] == 201, "create answers 201")

lambda_client.get_waiter("function_active_v2").wait(FunctionName=NAME, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
configuration = lambda_client.get_function(FunctionName=NAME)["Configuration"]
check(configuration["State"] == "Active", "boto3's function_active_v2 waiter sees Active")

response = lambda_client.invoke(FunctionName=NAME, LogType="Tail", Payload=json.dumps({"numbers": [1, 2, 3]}))
check(json.loads(response["Payload"].read()) == {"sum": 6}, "invoke returns the handler's result")
log = base64.b64decode(response["LogResult"]).decode()
check(log.startswith("START RequestId:") and "hello from boto3-check" in log and "REPORT RequestId:" in log,
      "the log tail has START, the function's output and REPORT")
check(response["ExecutedVersion"] == "$LATEST", "ExecutedVersion is $LATEST")

failed = lambda_client.invoke(FunctionName=NAME, Payload=json.dumps({"fail": True}))
error = json.loads(failed["Payload"].read())
check(failed.get("FunctionError") == "Unhandled", "a raising handler gives FunctionError Unhandled")
check(error["errorType"] == "RuntimeError" and error["errorMessage"] == "asked to fail",
      "the error payload has the runtime's errorType and errorMessage")

with tempfile.TemporaryDirectory() as directory:
    outfile = os.path.join(directory, "out.json")
    # AWS CLI v1 sends --payload as given (v2 would want base64 or --cli-binary-format raw-in-base64-out).
    cli = aws("lambda", "invoke", "--function-name", NAME, "--log-type", "Tail",
              "--payload", '{"numbers": [4, 5]}', outfile)
    check(cli.returncode == 0, "aws lambda invoke exits 0: " + cli.stderr)
    with open(outfile) as result:
        check(json.load(result) == {"sum": 9}, "aws lambda invoke writes the result")
    check("REPORT RequestId" in base64.b64decode(json.loads(cli.stdout)["LogResult"]).decode(),
          "aws lambda invoke returns the log tail")

listed = aws("lambda", "list-functions")
check(NAME in [f["FunctionName"] for f in json.loads(listed.stdout)["Functions"]], "aws lambda list-functions lists it")
tags = aws("lambda", "list-tags", "--resource", configuration["FunctionArn"])
check(json.loads(tags.stdout)["Tags"] == {"purpose": "check"}, "aws lambda list-tags shows the create-time tags")

version = lambda_client.publish_version(FunctionName=NAME)["Version"]
again = lambda_client.publish_version(FunctionName=NAME)["Version"]
check(version == "1" and again == "1", "publish_version of an unchanged $LATEST returns the same version")
lambda_client.add_permission(FunctionName=NAME, StatementId="s3", Action="lambda:InvokeFunction",
                             Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::bucket")
policy = json.loads(lambda_client.get_policy(FunctionName=NAME)["Policy"])
check(policy["Statement"][0]["Principal"] == {"Service": "s3.amazonaws.com"}, "get_policy returns the added statement")
reserved = aws("lambda", "put-function-concurrency", "--function-name", NAME, "--reserved-concurrent-executions", "0")
check(reserved.returncode == 0 and json.loads(reserved.stdout)["ReservedConcurrentExecutions"] == 0,
      "aws lambda put-function-concurrency reserves 0")
# boto3 retries throttling by default; this client shows the first answer.
once = boto3.client("lambda", endpoint_url=ENDPOINT, region_name="us-east-1", aws_access_key_id="test",
                    aws_secret_access_key="test", config=botocore.config.Config(retries={"total_max_attempts": 1}))
try:
    once.invoke(FunctionName=NAME, Payload=json.dumps({}))
    check(False, "an invoke with reserved concurrency 0 is throttled")
except once.exceptions.TooManyRequestsException as e:
    check(e.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded",
          "an invoke with reserved concurrency 0 is throttled with AWS's Reason")

lambda_client.delete_function(FunctionName=NAME)
try:
    lambda_client.get_function(FunctionName=NAME)
    check(False, "get_function after delete raises ResourceNotFoundException")
except lambda_client.exceptions.ResourceNotFoundException as e:
    check(e.response["Error"]["Message"].startswith("Function not found: arn:aws:lambda:us-east-1:000000000000:function:boto3-check"),
          "ResourceNotFoundException carries AWS's message")

missing = aws("lambda", "get-function", "--function-name", NAME)
check(missing.returncode != 0 and "ResourceNotFoundException" in missing.stderr,
      "aws lambda get-function of a deleted function reports ResourceNotFoundException")

try:
    lambda_client.create_function(FunctionName="boto3-old", Runtime="python3.7", Role=ROLE,
                                  Handler="lambda_function.lambda_handler", Code={"ZipFile": package()})
    check(False, "a deprecated runtime is refused")
except botocore.exceptions.ClientError as e:
    check(e.response["Error"]["Code"] == "InvalidParameterValueException"
          and e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, "a deprecated runtime is refused with 400 InvalidParameterValueException")

print("all checks passed")
