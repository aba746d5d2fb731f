import logging

LOGGER = logging.getLogger()
LOGGER.setLevel(logging.INFO)


# Logs one line through the root logger and answers its request id, as the function of LocalStack's
# recorded TestRequestIdHandling::test_request_id_invoke does.
def handler(event, context):
    LOGGER.info("RequestId log message")
    return context.aws_request_id
