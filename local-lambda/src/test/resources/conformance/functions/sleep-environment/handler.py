import os
import time


# As LocalStack's lambda_sleep_environment.py: sleeps if asked, then answers its variables.
def handler(event, context):
    if event.get("sleep"):
        time.sleep(event.get("sleep"))
    return {"environment": dict(os.environ)}
