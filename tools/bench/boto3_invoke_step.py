"""The deployed invoke step measured from boto3, as a `serve` user drives it (DeployedBenchmark runs it).

Usage: boto3_invoke_step.py ENDPOINT TARGET_FUNCTION PAIRS
Prints one line: "bare_p50_ms step_p50_ms" for interleaved pairs of a bare invoke of TARGET_FUNCTION and an
invoke step through lambda-step-runner:live that invokes it, after as many pairs of warm-up.
"""
import json
import statistics
import sys
import time

import boto3
from botocore.config import Config

endpoint, target, pairs = sys.argv[1], sys.argv[2], int(sys.argv[3])
client = boto3.client('lambda', endpoint_url=endpoint, region_name='us-east-1', aws_access_key_id='local',
                      aws_secret_access_key='local', config=Config(retries={'mode': 'standard', 'max_attempts': 1}))
bare_payload = json.dumps({'host': 'web-1'}).encode()
step_payload = json.dumps({'action': 'invoke', 'functionName': target, 'payload': {'host': 'web-1'},
                           'logType': 'None'}).encode()


def invoke(function, payload):
    response = client.invoke(FunctionName=function, Payload=payload)
    body = response['Payload'].read()
    if 'FunctionError' in response:
        raise SystemExit(f'{function} failed: {body!r}')


def timed(function, payload):
    began = time.perf_counter()
    invoke(function, payload)
    return (time.perf_counter() - began) * 1000


for _ in range(pairs):
    invoke(target, bare_payload)
    invoke('lambda-step-runner:live', step_payload)
bare, step = [], []
for _ in range(pairs):
    bare.append(timed(target, bare_payload))
    step.append(timed('lambda-step-runner:live', step_payload))
print(f'{statistics.median(bare):.3f} {statistics.median(step):.3f}')
