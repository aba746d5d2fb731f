/**
 * Entry points: the one deployable {@code RequestStreamHandler}, which recognises a step request,
 * an API Gateway proxy event or an EventBridge event and only translates between them and a step.
 */
package io.lambdasteprunner.handler;
