/**
 * The embedded local Lambda service: a Lambda-compatible HTTP service on loopback that the real AWS
 * SDKs and CLI talk to through an endpoint override. It speaks the Lambda API (rest-json,
 * {@code /2015-03-31/...}) and gives every execution environment its own Runtime API
 * ({@code /2018-06-01/runtime/...}), under which generated functions run as local processes.
 *
 * <p>Accounts and regions: each caller acts in the account of its access key ({@code AccessKeys}) and
 * the region it signed for; {@code FunctionScopes} keeps a {@code FunctionRegistry} per {@code Scope}.
 * STS's AssumeRole and GetCallerIdentity ({@code SecurityTokenService}) answer on the same endpoint.
 * Another account's function is reached where its resource policy grants the caller's account
 * ({@code CrossAccountAccess}); each execution environment gets a session of its function's role.
 *
 * <p>The control plane in layers: {@code LambdaApi} (where every request enters: HTTP in and out,
 * the caller's scope, STS or Lambda),
 * {@code LambdaRoutes} (which operation a path names), {@code WireRequests} / {@code WireShapes} (the
 * API's JSON, read into {@code ControlRequests} records and written back in AWS's shapes), and
 * {@code FunctionRegistry} / {@code LocalFunction} (Lambda's rules, knowing no JSON).
 * {@code AsyncInvocations} runs {@code Event} invokes from {@code EventQueues}: retries, event age and
 * destinations, as the function's event invoke configs say.
 *
 * <p>Knows nothing of steps; depends only on {@code lambda-facts}, Jackson and the JDK.
 */
package io.lambdasteprunner.local;
