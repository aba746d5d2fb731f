# Built-in Lambda runtime for ruby3.x functions: the Runtime API loop, Ruby's standard library only.
# Handlers are "file.method" (a top-level method) or "file.Module::Class.method", called with
# event: and context:, and errors take the shapes of AWS's Ruby runtime.
require 'json'
require 'net/http'

$stdout.sync = true
$stderr.sync = true

HOST, PORT = ENV.fetch('AWS_LAMBDA_RUNTIME_API').split(':')
PREFIX = '/2018-06-01/runtime'

class LambdaContext
  attr_reader :aws_request_id, :invoked_function_arn, :function_name, :function_version,
              :memory_limit_in_mb, :log_group_name, :log_stream_name, :client_context, :identity

  def initialize(request_id, deadline_ms, arn, client_context, identity)
    @aws_request_id = request_id
    @invoked_function_arn = arn
    @function_name = ENV['AWS_LAMBDA_FUNCTION_NAME']
    @function_version = ENV['AWS_LAMBDA_FUNCTION_VERSION']
    @memory_limit_in_mb = ENV['AWS_LAMBDA_FUNCTION_MEMORY_SIZE']
    @log_group_name = ENV['AWS_LAMBDA_LOG_GROUP_NAME']
    @log_stream_name = ENV['AWS_LAMBDA_LOG_STREAM_NAME']
    @client_context = client_context
    @identity = identity
    @deadline_ms = deadline_ms
  end

  def get_remaining_time_in_millis
    [@deadline_ms - (Time.now.to_f * 1000).to_i, 0].max
  end
end

def error_payload(error, type = nil, message = nil)
  { 'errorMessage' => message || error.message, 'errorType' => type || "Function<#{error.class}>",
    'stackTrace' => error.backtrace || [] }
end

def load_handler(http)
  file, _, target = ENV.fetch('_HANDLER').partition('.')
  require File.join(ENV.fetch('LAMBDA_TASK_ROOT'), file)
  receiver_name, _, method_name = target.rpartition('.')
  receiver = receiver_name.empty? ? self : Object.const_get(receiver_name)
  raise NameError, "undefined method `#{method_name}'" unless receiver.respond_to?(method_name, true)
  receiver.method(method_name)
rescue ScriptError, StandardError => e
  payload = error_payload(e, "Init<#{e.class}>")
  puts "Init error when loading handler #{ENV['_HANDLER']}\n#{JSON.generate(payload)}"
  http.post("#{PREFIX}/init/error", JSON.generate(payload),
            'Content-Type' => 'application/json', 'Lambda-Runtime-Function-Error-Type' => payload['errorType'])
  exit(1)
end

begin
  # One kept-alive connection to the Runtime API, as the official client does.
  Net::HTTP.start(HOST, PORT.to_i, read_timeout: nil) do |http|
    handler = load_handler(http)
    loop do
      response = http.get("#{PREFIX}/invocation/next")
      request_id = response['Lambda-Runtime-Aws-Request-Id']
      client_context = response['Lambda-Runtime-Client-Context']
      identity = response['Lambda-Runtime-Cognito-Identity']
      ENV['_X_AMZN_TRACE_ID'] = response['Lambda-Runtime-Trace-Id'] || ''
      context = LambdaContext.new(request_id, response['Lambda-Runtime-Deadline-Ms'].to_i,
                                  response['Lambda-Runtime-Invoked-Function-Arn'],
                                  client_context && JSON.parse(client_context), identity && JSON.parse(identity))
      begin
        body = response.body.to_s
        event = body.empty? ? nil : JSON.parse(body)
        result = handler.call(event: event, context: context)
        http.post("#{PREFIX}/invocation/#{request_id}/response", JSON.generate(result),
                  'Content-Type' => 'application/json')
      rescue StandardError, ScriptError => e
        payload = error_payload(e)
        puts "Error raised from handler method\n#{JSON.generate(payload)}"
        http.post("#{PREFIX}/invocation/#{request_id}/error", JSON.generate(payload),
                  'Content-Type' => 'application/json', 'Lambda-Runtime-Function-Error-Type' => 'Unhandled')
      end
    end
  end
rescue SystemCallError, IOError, EOFError, Net::ReadTimeout
  # The service is gone: nothing may outlive it.
  exit(1)
end
