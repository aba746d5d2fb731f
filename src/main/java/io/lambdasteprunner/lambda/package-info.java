/**
 * The Lambda calls: the AWS SDK for Java v2 client, built once per container, with retries,
 * backoff and in-memory packaging of generated functions.
 */
package io.lambdasteprunner.lambda;
