package io.mtrec.model.metrics;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class WindowedBinaryMetricsTest {

    @Test
    void aucCountsCorrectlyOrderedPairs() {
        WindowedBinaryMetrics m = new WindowedBinaryMetrics(10);
        m.add(0.9, true);
        m.add(0.2, true);
        m.add(0.5, false);
        m.add(0.1, false);
        // Positive-negative pairs: (0.9,0.5) ok, (0.9,0.1) ok, (0.2,0.5) wrong, (0.2,0.1) ok.
        assertThat(m.auc()).isCloseTo(0.75, within(1e-12));
    }

    @Test
    void tiedPredictionsCountHalf() {
        WindowedBinaryMetrics m = new WindowedBinaryMetrics(10);
        m.add(0.5, true);
        m.add(0.5, false);
        assertThat(m.auc()).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void aucIsNaNWithoutBothClasses() {
        WindowedBinaryMetrics m = new WindowedBinaryMetrics(10);
        m.add(0.3, true);
        assertThat(m.auc()).isNaN();
    }

    @Test
    void windowForgetsOldestPredictions() {
        WindowedBinaryMetrics m = new WindowedBinaryMetrics(2);
        m.add(0.1, true);
        m.add(0.9, true);
        m.add(0.2, false);
        assertThat(m.size()).isEqualTo(2);
        assertThat(m.total()).isEqualTo(3);
        assertThat(m.auc()).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void logLossMatchesHandComputedValue() {
        WindowedBinaryMetrics m = new WindowedBinaryMetrics(4);
        m.add(0.8, true);
        m.add(0.25, false);
        double expected = -(Math.log(0.8) + Math.log(0.75)) / 2;
        assertThat(m.logLoss()).isCloseTo(expected, within(1e-6));
    }

    @Test
    void roundTripKeepsWindowAndCounts() throws IOException {
        ProgressiveMetrics metrics = new ProgressiveMetrics(3);
        metrics.addClick(0.7, true);
        metrics.addClick(0.1, false);
        metrics.addPurchase(0.4, false);
        metrics.addRating(3.5, 4.0);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        metrics.writeTo(new DataOutputStream(bytes));
        ProgressiveMetrics restored =
                ProgressiveMetrics.readFrom(
                        new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        assertThat(restored.snapshot()).isEqualTo(metrics.snapshot());
        restored.addClick(0.05, true);
        metrics.addClick(0.05, true);
        assertThat(restored.snapshot()).isEqualTo(metrics.snapshot());
    }

    @Test
    void rmseOverWindow() {
        WindowedRegressionMetrics m = new WindowedRegressionMetrics(2);
        m.add(1.0, 2.0);
        m.add(3.0, 3.0);
        assertThat(m.rmse()).isCloseTo(Math.sqrt(0.5), within(1e-9));
    }
}
