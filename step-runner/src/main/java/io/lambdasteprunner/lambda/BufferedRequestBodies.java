package io.lambdasteprunner.lambda;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;

/**
 * Lets the JDK's {@code HttpURLConnection} size each request body itself, which saves every Invoke about a
 * millisecond of waiting.
 *
 * <p>The URL-connection client streams a body whose {@code Content-Length} the request carries. Before a
 * streamed POST goes out on a kept-alive connection, the JDK checks that the server has not closed it with a
 * read that waits 1 ms for nothing ({@code sun.net.www.http.HttpClient.available()}). That wait was a third
 * of a warm Invoke on the local service and is paid on AWS too. Without the header, the JDK buffers the
 * body (Lambda's requests are small: at most a 6 MB payload or a 50 MB zip), sets the header itself and skips
 * the check. The header is removed before the request is signed, so the signature does not name it.
 *
 * <p>Safe only when the JDK's {@code sun.net.http.retryPost} is {@code false} from the JVM's start: it resends
 * a buffered POST whose connection failed before the answer unless told not to, and an Invoke must never be
 * sent twice behind the retry strategy's back. {@link LambdaClients} adds this interceptor only then.
 */
final class BufferedRequestBodies implements ExecutionInterceptor {

    @Override
    public SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
        SdkHttpRequest request = context.httpRequest();
        if (context.requestBody().isEmpty() || request.firstMatchingHeader("Content-Length").isEmpty()) {
            return request;
        }
        return request.toBuilder().removeHeader("Content-Length").build();
    }
}
