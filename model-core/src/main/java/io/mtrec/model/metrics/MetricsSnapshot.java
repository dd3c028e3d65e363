package io.mtrec.model.metrics;

/** Per-task progressive-validation figures at one moment; NaN where a task has no data yet. */
public record MetricsSnapshot(
        double clickAuc,
        double clickLogLoss,
        long clickCount,
        double purchaseAuc,
        double purchaseLogLoss,
        long purchaseCount,
        double ratingRmse,
        long ratingCount) {}
