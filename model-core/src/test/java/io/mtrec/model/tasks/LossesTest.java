package io.mtrec.model.tasks;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LossesTest {

    @Test
    void bceWithLogitsMatchesHandComputedValues() {
        // z = 0, y = 1: -log(0.5)
        assertThat(Losses.bceWithLogits(0, 1)).isCloseTo(0.6931471805599453, within(1e-15));
        // z = 2, y = 0: -log(1 - sigmoid(2)) = 2 + log(1 + e^-2)
        assertThat(Losses.bceWithLogits(2, 0)).isCloseTo(2.1269280110429727, within(1e-15));
        // z = -1.5, y = 1: log(1 + e^1.5)
        assertThat(Losses.bceWithLogits(-1.5, 1)).isCloseTo(1.7014132779827524, within(1e-15));
    }

    @Test
    void bceWithLogitsGradientIsSigmoidMinusLabel() {
        assertThat(Losses.bceWithLogitsGradient(0f, 1f)).isEqualTo(-0.5f);
        assertThat(Losses.bceWithLogitsGradient(2f, 0f)).isCloseTo(0.8807971f, within(1e-7f));
        assertThat(Losses.bceWithLogitsGradient(-1.5f, 1f))
                .isCloseTo(0.18242552f - 1f, within(1e-7f));
    }

    @Test
    void bceWithLogitsStaysFiniteForExtremeLogits() {
        assertThat(Losses.bceWithLogits(100, 0)).isEqualTo(100.0);
        assertThat(Losses.bceWithLogits(-100, 1)).isEqualTo(100.0);
        assertThat(Losses.bceWithLogits(100, 1)).isCloseTo(0.0, within(1e-40));
        assertThat(Losses.sigmoid(-200f)).isZero();
        assertThat(Losses.sigmoid(200f)).isEqualTo(1f);
    }

    @Test
    void squaredErrorAndGradientMatchHandComputedValues() {
        assertThat(Losses.squaredError(3.5, 4)).isEqualTo(0.25);
        assertThat(Losses.squaredErrorGradient(3.5f, 4f)).isEqualTo(-1f);
        assertThat(Losses.squaredError(1, 5)).isEqualTo(16.0);
        assertThat(Losses.squaredErrorGradient(5f, 1f)).isEqualTo(8f);
    }

    @Test
    void ctcvrBceMatchesHandComputedValues() {
        // p = sigmoid(0.5) sigmoid(-1) = 0.16740509727844333
        assertThat(Losses.ctcvrBce(0.5, -1.0, 0)).isCloseTo(0.18320806636160125, within(1e-14));
        assertThat(Losses.ctcvrBce(0.5, -1.0, 1)).isCloseTo(1.7873386716983295, within(1e-14));
        assertThat(Losses.ctcvrBce(-2.0, 1.5, 0)).isCloseTo(0.1025392397941255, within(1e-14));
        assertThat(Losses.ctcvrBce(3.0, 2.0, 1)).isCloseTo(0.17551536261671455, within(1e-14));
    }

    @Test
    void ctcvrGradientsAreTheClosedFormOfTheProductOfSigmoids() {
        // (p - y)(1 - sigmoid(z)) / (1 - p), hand-computed for each logit.
        assertThat(Losses.ctcvrGradientClick(0.5, -1.0, 0))
                .isCloseTo(0.07590994393567492, within(1e-14));
        assertThat(Losses.ctcvrGradientPurchase(0.5, -1.0, 0))
                .isCloseTo(0.14698976906026628, within(1e-14));
        assertThat(Losses.ctcvrGradientClick(0.5, -1.0, 1))
                .isCloseTo(-0.3775406687981454, within(1e-14));
        assertThat(Losses.ctcvrGradientPurchase(0.5, -1.0, 1))
                .isCloseTo(-0.7310585786300049, within(1e-14));
        assertThat(Losses.ctcvrGradientClick(-2.0, 1.5, 0))
                .isCloseTo(0.09510915373526915, within(1e-14));
        assertThat(Losses.ctcvrGradientPurchase(-2.0, 1.5, 0))
                .isCloseTo(0.019698449986651104, within(1e-14));
    }

    @Test
    void ctcvrGradientsMatchCentralDifferencesForHardAndSoftLabels() {
        double h = 1e-6;
        double[][] cases = {{0.5, -1.0, 0}, {0.5, -1.0, 1}, {-2.0, 1.5, 0.3}, {6.0, 7.0, 0}};
        for (double[] c : cases) {
            double zc = c[0];
            double zp = c[1];
            double y = c[2];
            double dc = (Losses.ctcvrBce(zc + h, zp, y) - Losses.ctcvrBce(zc - h, zp, y)) / (2 * h);
            double dp = (Losses.ctcvrBce(zc, zp + h, y) - Losses.ctcvrBce(zc, zp - h, y)) / (2 * h);
            assertThat(Losses.ctcvrGradientClick(zc, zp, y)).isCloseTo(dc, within(1e-8));
            assertThat(Losses.ctcvrGradientPurchase(zc, zp, y)).isCloseTo(dp, within(1e-8));
        }
    }

    @Test
    void ctcvrLossAndGradientsStayFiniteWhereTheProductRoundsToZeroOrOne() {
        // p = 1 - 2e-800 rounds to 1: the log-space form still gives -log(1 - p) = 800 - log 2.
        assertThat(Losses.ctcvrBce(800, 800, 0)).isCloseTo(800 - Math.log(2), within(1e-9));
        assertThat(Losses.ctcvrGradientClick(800, 800, 0)).isEqualTo(0.5);
        assertThat(Losses.ctcvrGradientPurchase(800, 800, 0)).isEqualTo(0.5);
        // p = e^-1600 rounds to 0: -log p = 1600.
        assertThat(Losses.ctcvrBce(-800, -800, 1)).isEqualTo(1600.0);
        assertThat(Losses.ctcvrGradientClick(-800, -800, 1)).isEqualTo(-1.0);
        assertThat(Losses.ctcvrGradientPurchase(-800, -800, 1)).isEqualTo(-1.0);
        assertThat(Losses.ctcvrBce(-800, -800, 0)).isZero();
        assertThat(Losses.ctcvrGradientClick(-800, -800, 0)).isZero();
    }

    @Test
    void huberIsTheSquaredErrorInsideDeltaAndLinearBeyond() {
        // |e| = 0.5 <= delta 1: e^2
        assertThat(Losses.huber(3.5, 4, 1.0)).isEqualTo(0.25);
        assertThat(Losses.huberGradient(3.5f, 4f, 1f)).isEqualTo(-1f);
        // e = 4 > delta 1: 2 * 1 * 4 - 1 = 7, gradient 2 * delta
        assertThat(Losses.huber(5, 1, 1.0)).isEqualTo(7.0);
        assertThat(Losses.huberGradient(5f, 1f, 1f)).isEqualTo(2f);
        // e = -3 beyond delta 0.5: 2 * 0.5 * 3 - 0.25 = 2.75, gradient -2 * delta
        assertThat(Losses.huber(1, 4, 0.5)).isEqualTo(2.75);
        assertThat(Losses.huberGradient(1f, 4f, 0.5f)).isEqualTo(-1f);
        // At |e| = delta both pieces meet: delta^2.
        assertThat(Losses.huber(3, 1, 2.0)).isEqualTo(4.0);
    }

    @Test
    void huberGradientMatchesCentralDifferencesOnBothSidesOfDelta() {
        double h = 1e-6;
        double delta = 1.0;
        for (double prediction : new double[] {2.2, 2.9, 3.4, 4.5, 5.0, 0.5}) {
            double target = 3.0;
            double numeric =
                    (Losses.huber(prediction + h, target, delta)
                                    - Losses.huber(prediction - h, target, delta))
                            / (2 * h);
            assertThat((double) Losses.huberGradient((float) prediction, 3f, (float) delta))
                    .as("prediction %s", prediction)
                    .isCloseTo(numeric, within(1e-6));
        }
    }
}
