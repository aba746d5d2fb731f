package io.lambdasteprunner.step;

/**
 * {@code {"action": "sweep"}}, or EventBridge's scheduled event: delete the generated functions that
 * outlived their step ({@link OrphanSweeper}). It takes no other fields.
 */
public record SweepRequest() implements RunnerRequest {
}
