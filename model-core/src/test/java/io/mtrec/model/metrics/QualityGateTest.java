package io.mtrec.model.metrics;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QualityGateTest {

    private static MetricsSnapshot figures(double clickAuc, double purchaseAuc, double rmse) {
        return new MetricsSnapshot(clickAuc, 0.5, 100, purchaseAuc, 0.3, 10, rmse, 10);
    }

    @Test
    void theFirstVersionIsPublished() {
        assertThat(new QualityGate(0.01).check(figures(0.6, 0.6, 1.0)).publish()).isTrue();
    }

    @Test
    void aVersionWithinTheToleranceIsPublished() {
        QualityGate gate = new QualityGate(0.01);
        gate.published(figures(0.80, 0.70, 0.50));

        assertThat(gate.check(figures(0.795, 0.691, 0.504)).publish()).isTrue();
    }

    @Test
    void aClickAucDropBeyondTheToleranceIsHeldBackWithTheReason() {
        QualityGate gate = new QualityGate(0.01);
        gate.published(figures(0.80, 0.70, 0.50));

        QualityGate.Decision decision = gate.check(figures(0.78, 0.72, 0.40));

        assertThat(decision.publish()).isFalse();
        assertThat(decision.reason())
                .isEqualTo(
                        "click AUC 0.7800 is worse than the last published 0.8000 beyond the"
                                + " tolerance 0.0100");
    }

    @Test
    void aRatingRmseRiseBeyondTheRelativeToleranceIsHeldBack() {
        QualityGate gate = new QualityGate(0.05);
        gate.published(figures(0.80, 0.70, 0.50));

        assertThat(gate.check(figures(0.80, 0.70, 0.52)).publish()).isTrue();
        assertThat(gate.check(figures(0.80, 0.70, 0.53)).reason()).startsWith("rating RMSE 0.5300");
    }

    @Test
    void aTaskWithoutDataOnEitherSideHoldsNothingBack() {
        QualityGate gate = new QualityGate(0.0);
        gate.published(figures(0.80, Double.NaN, 0.50));

        assertThat(gate.check(figures(0.80, 0.10, Double.NaN)).publish()).isTrue();
    }

    @Test
    void theBaselineIsTheLastPublishedVersionNotTheLastCandidate() {
        QualityGate gate = new QualityGate(0.01);
        gate.published(figures(0.80, 0.70, 0.50));
        // Two small steps down: each within the tolerance of the one before, not of the baseline.
        assertThat(gate.check(figures(0.795, 0.70, 0.50)).publish()).isTrue();
        assertThat(gate.check(figures(0.789, 0.70, 0.50)).publish()).isFalse();
    }

    @Test
    void aToleranceOutsideZeroToOneIsRejected() {
        assertThatThrownBy(() -> new QualityGate(-0.1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tolerance must be in [0, 1], got -0.1");
    }
}
