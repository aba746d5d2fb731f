def handler(event, context):
    print("no return value")
