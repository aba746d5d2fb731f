import datetime
import hashlib
import hmac
import os
import re
import urllib.parse
import urllib.request


# What LocalStack's lambda_role.py does with boto3 (sts.get_caller_identity() with the function's own
# credentials), in the standard library alone: the runtimes here carry no boto3. A real SigV4 signature.
def handler(event, context):
    endpoint = os.environ.get("AWS_ENDPOINT_URL_STS", "https://sts.amazonaws.com")
    region = os.environ["AWS_REGION"]
    body = "Action=GetCallerIdentity&Version=2011-06-15"
    host = urllib.parse.urlparse(endpoint).netloc
    now = datetime.datetime.now(datetime.timezone.utc)
    stamp, date = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    headers = {
        "content-type": "application/x-www-form-urlencoded; charset=utf-8",
        "host": host,
        "x-amz-date": stamp,
        "x-amz-security-token": os.environ["AWS_SESSION_TOKEN"],
    }
    signed = ";".join(sorted(headers))
    canonical = "\n".join(["POST", "/", "", *(f"{k}:{headers[k]}" for k in sorted(headers)), "", signed,
                           hashlib.sha256(body.encode()).hexdigest()])
    scope = f"{date}/{region}/sts/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + os.environ["AWS_SECRET_ACCESS_KEY"]).encode()
    for part in (date, region, "sts", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={os.environ['AWS_ACCESS_KEY_ID']}/{scope}, "
                                f"SignedHeaders={signed}, Signature={signature}")
    request = urllib.request.Request(endpoint + "/", data=body.encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        xml = response.read().decode()
    return {name: re.search(f"<{name}>([^<]*)</{name}>", xml).group(1) for name in ("UserId", "Account", "Arn")}
