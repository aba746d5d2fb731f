# Two handlers in one module, as LocalStack's lambda_multiple_handlers.py: the configuration picks one.
def handler(event, context):
    return {"handler": "handler"}


def handler_two(event, context):
    return {"handler": "handler_two"}
