# A module-level counter: a warm environment keeps it between invokes, as the function of
# LocalStack's recorded test_lambda_cache_local[python] shows.
COUNTER = 0


def handler(event, context):
    global COUNTER
    answer = {"counter": COUNTER}
    COUNTER += 1
    return answer
