package io.mtrec.model.metrics;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ProgressiveMetricsSinceTest {

    @Test
    void figuresSinceAMarkIgnoreEarlierPredictions() {
        ProgressiveMetrics m = new ProgressiveMetrics(10);
        // Before the mark: perfectly wrong click predictions and a large rating error.
        m.addClick(0.1, true);
        m.addClick(0.9, false);
        m.addRating(5.0, 1.0);
        ProgressiveMetrics.Mark mark = m.mark();
        m.addClick(0.8, true);
        m.addClick(0.3, false);
        m.addClick(0.6, false);
        m.addPurchase(0.7, true);
        m.addPurchase(0.2, false);
        m.addRating(3.5, 3.0);
        m.addRating(2.0, 3.0);

        MetricsSnapshot since = m.since(mark);

        assertThat(since.clickAuc()).isCloseTo(1.0, within(1e-12));
        assertThat(since.clickCount()).isEqualTo(3);
        assertThat(since.clickLogLoss())
                .isCloseTo(-(Math.log(0.8) + Math.log(0.7) + Math.log(0.4)) / 3, within(1e-6));
        assertThat(since.purchaseAuc()).isCloseTo(1.0, within(1e-12));
        assertThat(since.purchaseCount()).isEqualTo(2);
        assertThat(since.ratingRmse()).isCloseTo(Math.sqrt((0.25 + 1.0) / 2), within(1e-6));
        assertThat(since.ratingCount()).isEqualTo(2);
        // The whole window still includes the early mistakes.
        assertThat(m.snapshot().clickAuc()).isLessThan(1.0);
    }

    @Test
    void lastPredictionsAreFoundAcrossTheRingBufferWrap() {
        WindowedBinaryMetrics m = new WindowedBinaryMetrics(4);
        m.add(0.9, false);
        m.add(0.8, false);
        m.add(0.7, false);
        m.add(0.2, true); // ring full; the next two overwrite 0.9 and 0.8
        m.add(0.6, true);
        m.add(0.1, false);
        // Last three: 0.2 (pos), 0.6 (pos), 0.1 (neg): both positives above the negative.
        assertThat(m.auc(3)).isCloseTo(1.0, within(1e-12));
        // Last four add 0.7 (neg), ranked above both positives: 2 of 4 pairs in order.
        assertThat(m.auc(4)).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void sinceAMarkOlderThanTheWindowIsRejected() {
        ProgressiveMetrics m = new ProgressiveMetrics(2);
        ProgressiveMetrics.Mark mark = m.mark();
        m.addClick(0.5, true);
        m.addClick(0.5, false);
        m.addClick(0.5, true);

        assertThatThrownBy(() -> m.since(mark))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "3 click predictions since the mark, but the window holds 2; use a larger"
                                + " metrics.window");
    }
}
