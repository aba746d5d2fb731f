"""A handler in a submodule whose package is named `def` (a Python keyword): the handler setting is a dotted path."""


def handler(event, context):
    return {"event": event}
