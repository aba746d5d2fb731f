// What the function sees of its execution environment: its variables and its context, as the
// function of LocalStack's recorded test_introspection_invoke answers them (memoryLimitInMb is
// spelled as that function spells it: the context has no such member, so the answer lacks it).
exports.handler = async (event, context) => ({
  environment: process.env,
  ctx: {
    function_name: context.functionName,
    function_version: context.functionVersion,
    invoked_function_arn: context.invokedFunctionArn,
    memory_limit_in_mb: context.memoryLimitInMb,
    aws_request_id: context.awsRequestId,
    log_group_name: context.logGroupName,
    log_stream_name: context.logStreamName,
    remaining_time_in_millis: context.getRemainingTimeInMillis(),
  },
  cwd: process.cwd(),
});
