def handler(event:, context:)
    raise "Error: " + event["error_msg"]
end
