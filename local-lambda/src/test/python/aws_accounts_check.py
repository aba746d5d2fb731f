"""Accounts, regions and STS on the local Lambda service, through boto3 and the AWS CLI.

Usage: python aws_accounts_check.py ENDPOINT
The AWS CLI assumes a role of account 222233334444 with `aws sts assume-role` on the service's own
endpoint, and with those credentials creates a function in eu-west-1; boto3 checks that the function
is that account's and region's only, that another region's ARN is refused in AWS's words, and that
STS's validation errors arrive as botocore ClientErrors with STS's codes. Exits non-zero with the
first mismatch. Run by AwsClientsIT inside the single test command.
"""
import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile

import boto3
import botocore.exceptions

ENDPOINT = sys.argv[1]
ROLE = "arn:aws:iam::222233334444:role/runbooks/step-target"
NAME = "cli-assumed-check"
BASE_ENV = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}


def check(condition, message):
    if not condition:
        print("FAILED:", message, file=sys.stderr)
        sys.exit(1)
    print("ok:", message)


def aws(env, *args):
    """The AWS CLI from the same venv, against the local service, with the given credentials."""
    cli = os.path.join(os.path.dirname(sys.executable), "aws")
    out = subprocess.run([cli, "--endpoint-url", ENDPOINT, "--output", "json", *args],
                         env=dict(BASE_ENV, **env), capture_output=True, text=True, timeout=60)
    return out


def package():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lambda_function.py", "def lambda_handler(event, context):\n    return 'ok'\n")
    return buffer.getvalue()


plain = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}

# The AWS CLI assumes the role on the service's endpoint.
assumed = aws(plain, "sts", "assume-role", "--role-arn", ROLE, "--role-session-name", "cli-1",
              "--external-id", "ticket-42", "--duration-seconds", "900")
check(assumed.returncode == 0, "aws sts assume-role answers: " + assumed.stderr)
answer = json.loads(assumed.stdout)
credentials = answer["Credentials"]
check(credentials["AccessKeyId"].startswith("ASIA") and credentials["SessionToken"],
      "the CLI parses temporary credentials")
check(answer["AssumedRoleUser"]["Arn"] == "arn:aws:sts::222233334444:assumed-role/step-target/cli-1",
      "the assumed-role ARN names the role's account and the session")

as_role = {"AWS_ACCESS_KEY_ID": credentials["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
           "AWS_SESSION_TOKEN": credentials["SessionToken"], "AWS_DEFAULT_REGION": "eu-west-1"}
identity = aws(as_role, "sts", "get-caller-identity")
check(identity.returncode == 0 and json.loads(identity.stdout)["Account"] == "222233334444",
      "aws sts get-caller-identity with them says the role's account: " + identity.stdout + identity.stderr)

# With those credentials the CLI creates a function in eu-west-1: it is the role's account's.
with tempfile.NamedTemporaryFile(suffix=".zip", delete=False) as code:
    code.write(package())
try:
    created = aws(as_role, "lambda", "create-function", "--function-name", NAME, "--runtime", "python3.12",
                  "--role", "arn:aws:iam::222233334444:role/lambda-role", "--handler", "lambda_function.lambda_handler",
                  "--zip-file", "fileb://" + code.name)
finally:
    os.unlink(code.name)
check(created.returncode == 0, "aws lambda create-function with the role's credentials: " + created.stderr)
arn = json.loads(created.stdout)["FunctionArn"]
check(arn == "arn:aws:lambda:eu-west-1:222233334444:function:" + NAME, "its ARN is the role's account's in eu-west-1")

# boto3: the function is there for the role's account in eu-west-1, and nowhere else.
role_lambda = boto3.client("lambda", endpoint_url=ENDPOINT, region_name="eu-west-1",
                           aws_access_key_id=credentials["AccessKeyId"],
                           aws_secret_access_key=credentials["SecretAccessKey"],
                           aws_session_token=credentials["SessionToken"])
same_account_by_key = boto3.client("lambda", endpoint_url=ENDPOINT, region_name="eu-west-1",
                                   aws_access_key_id="222233334444", aws_secret_access_key="x")
other_account = boto3.client("lambda", endpoint_url=ENDPOINT, region_name="eu-west-1",
                             aws_access_key_id="111122223333", aws_secret_access_key="x")
other_region = boto3.client("lambda", endpoint_url=ENDPOINT, region_name="us-east-1",
                            aws_access_key_id="222233334444", aws_secret_access_key="x")

check([f["FunctionName"] for f in role_lambda.list_functions()["Functions"]] == [NAME],
      "boto3 with the role's credentials lists the function")
check(same_account_by_key.get_function(FunctionName=NAME)["Configuration"]["FunctionArn"] == arn,
      "a twelve-digit key of the same account finds it")
check(NAME not in [f["FunctionName"] for f in other_account.list_functions()["Functions"]],
      "another account does not see it")

try:
    other_region.get_function(FunctionName=arn)
    check(False, "another region's ARN is refused")
except botocore.exceptions.ClientError as error:
    check(error.response["Error"]["Code"] == "ResourceNotFoundException"
          and error.response["Error"]["Message"]
          == "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')",
          "another region's ARN: 404 in AWS's words (" + str(error) + ")")

try:
    other_account.get_function(FunctionName=arn)
    check(False, "another account's ARN is refused")
except botocore.exceptions.ClientError as error:
    check(error.response["Error"]["Code"] == "AccessDeniedException"
          and error.response["ResponseMetadata"]["HTTPStatusCode"] == 403,
          "another account's ARN: 403 AccessDeniedException (" + str(error) + ")")

# STS's own validation, as botocore reads STS's XML errors.
sts = boto3.client("sts", endpoint_url=ENDPOINT, region_name="us-east-1",
                   aws_access_key_id="test", aws_secret_access_key="test")
try:
    sts.assume_role(RoleArn=ROLE, RoleSessionName="Session1:2")
    check(False, "a session name outside STS's pattern is refused")
except botocore.exceptions.ClientError as error:
    check(error.response["Error"]["Code"] == "ValidationError"
          and error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
          and "at 'roleSessionName' failed to satisfy constraint" in error.response["Error"]["Message"],
          "boto3 reads STS's ValidationError (" + str(error) + ")")
check(sts.get_caller_identity()["Account"] == "000000000000", "any other key is the default account")

role_lambda.delete_function(FunctionName=NAME)
check(NAME not in [f["FunctionName"] for f in same_account_by_key.list_functions()["Functions"]],
      "delete-function with the role's credentials deletes it")
print("all checks passed")
