# Built-in Lambda runtime for ruby3.x functions: the Runtime API loop, Ruby's standard library only.
# Handlers are "file.method" (a top-level method) or "file.Module::Class.method", called with
# event: and context:, and errors take the shapes of AWS's Ruby runtime. A Logger writing to standard
# output or error formats its lines as AWS's Ruby runtime does (request id included).
# AWS_LAMBDA_RUNTIME_API is host:port (the host name carries the environment's token), or host:port/token
# without a sandbox. Started as a spare (LOCAL_LAMBDA_SPARE=1), it reads its function's directory and environment from standard input first.
require 'json'
require 'logger'
require 'socket'

$stdout.sync = true
$stderr.sync = true

PREFIX = '/2018-06-01/runtime'

# A minimal HTTP/1.1 client over one kept-alive socket, as the official client keeps one connection.
# net/http would cost about 90 ms of requires at every cold start; the Runtime API needs only
# Content-Length framing on loopback.
class RuntimeApi
  Response = Struct.new(:status, :headers, :body)

  def initialize(address)
    # host:port, or host:port/base as clients build http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/...
    host_port, slash, base = address.partition('/')
    @address = host_port
    @base = slash.empty? ? '' : "/#{base}"
    host, port = host_port.split(':')
    @socket = TCPSocket.new(host, port.to_i)
    @socket.setsockopt(Socket::IPPROTO_TCP, Socket::TCP_NODELAY, 1)
  end

  def get(path)
    request('GET', path, '', {})
  end

  def post(path, body, headers)
    request('POST', path, body, headers)
  end

  private

  def request(method, path, body, headers)
    head = +"#{method} #{@base}#{path} HTTP/1.1\r\nHost: #{@address}\r\nContent-Length: #{body.bytesize}\r\n"
    headers.each { |name, value| head << "#{name}: #{value}\r\n" }
    @socket.write(head << "\r\n", body)
    status = @socket.gets("\r\n") or raise EOFError, 'Runtime API closed the connection'
    headers = {}
    while (line = @socket.gets("\r\n")) && line != "\r\n"
      name, value = line.split(':', 2)
      headers[name.strip.downcase] = value.to_s.strip
    end
    length = headers.fetch('content-length', '0').to_i
    Response.new(status.split(' ', 3)[1].to_i, headers, length.zero? ? +'' : read_body(length))
  end

  def read_body(length)
    body = @socket.read(length)
    raise EOFError, 'Runtime API closed the connection' if body.nil? || body.bytesize < length

    body.force_encoding(Encoding::UTF_8)
  end
end

# Makes a spare runtime, started before its function was known, what a fresh process started for the
# function would be. The spare started with the variables every function shares; the function's
# complete set is a superset of them.
def take_function
  assignment = JSON.parse($stdin.read)
  ENV.delete('LOCAL_LAMBDA_SPARE')
  ENV.update(assignment.fetch('env'))
  Dir.chdir(assignment.fetch('cwd'))
end

$_global_aws_request_id = nil

# The line AWS's Ruby runtime gives a Logger: I, [2026-11-29T20:00:00.123456 #2]  INFO <request id> -- : message
class LambdaLogFormatter < Logger::Formatter
  def call(severity, time, progname, msg)
    format("%<sev>s, [%<time>s #%<pid>d] %<severity>5s %<request_id>s -- %<progname>s: %<msg>s\n",
           sev: severity[0], time: time.utc.strftime('%Y-%m-%dT%H:%M:%S.%6N'), pid: $$, severity: severity,
           request_id: $_global_aws_request_id, progname: progname, msg: msg2str(msg))
  end
end

# Loggers created for standard output or error get Lambda's format, unless given their own.
module LambdaLoggerDefaults
  def initialize(logdev, *args, **kwargs)
    super
    self.formatter = LambdaLogFormatter.new if kwargs[:formatter].nil? && [$stdout, $stderr, STDOUT, STDERR].include?(logdev)
  end
end
Logger.prepend(LambdaLoggerDefaults)

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
  take_function if ENV['LOCAL_LAMBDA_SPARE'] == '1'
  http = RuntimeApi.new(ENV.fetch('AWS_LAMBDA_RUNTIME_API'))
  handler = load_handler(http)
  loop do
    response = http.get("#{PREFIX}/invocation/next")
    headers = response.headers
    request_id = headers['lambda-runtime-aws-request-id']
    $_global_aws_request_id = request_id
    client_context = headers['lambda-runtime-client-context']
    identity = headers['lambda-runtime-cognito-identity']
    ENV['_X_AMZN_TRACE_ID'] = headers['lambda-runtime-trace-id'] || ''
    context = LambdaContext.new(request_id, headers['lambda-runtime-deadline-ms'].to_i,
                                headers['lambda-runtime-invoked-function-arn'],
                                client_context && JSON.parse(client_context), identity && JSON.parse(identity))
    begin
      body = response.body
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
rescue SystemCallError, IOError, EOFError, JSON::ParserError, KeyError
  # The service is gone (or a spare's service went before handing it a function): nothing may outlive it.
  exit(1)
end
