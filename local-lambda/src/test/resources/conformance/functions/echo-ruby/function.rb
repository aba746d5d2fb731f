def handler(event:, context:)
  event
end
