"""Prints its event's body as it is, so each of its lines is one line of the function's log."""


def handler(event, context):
    print(event["body"])
    return event
