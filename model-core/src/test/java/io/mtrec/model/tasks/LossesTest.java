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
}
