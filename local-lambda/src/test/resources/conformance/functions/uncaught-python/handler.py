import json


def handler(event, ctx):
    print(json.dumps(event))
    raise Exception(f"Failed: {event.get('error_msg')}")
