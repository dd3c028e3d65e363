package io.mtrec.model.sampling;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class AliasTableTest {

    @Test
    void columnsGiveEveryOutcomeItsWeightOverTheTotal() {
        double[] weights = {1, 0, 7.5, 0.25, 3, 3, 120, 0.01};
        double total = 0;
        for (double w : weights) {
            total += w;
        }
        AliasTable table = new AliasTable();
        table.build(weights, weights.length, total);
        assertThat(table.size()).isEqualTo(8);
        for (int i = 0; i < weights.length; i++) {
            assertThat(table.probability(i)).isCloseTo(weights[i] / total, within(1e-12));
        }
    }

    @Test
    void rebuildingOverFewerOutcomesForgetsTheOldOnes() {
        AliasTable table = new AliasTable();
        table.build(new double[] {1, 1, 1, 1, 1, 1}, 6, 6);
        table.build(new double[] {1, 3, 99, 99}, 2, 4);
        assertThat(table.size()).isEqualTo(2);
        assertThat(table.probability(0)).isCloseTo(0.25, within(1e-15));
        assertThat(table.probability(1)).isCloseTo(0.75, within(1e-15));
        SplitMix64 rng = new SplitMix64(1L);
        for (int i = 0; i < 1_000; i++) {
            assertThat(table.sample(rng)).isBetween(0, 1);
        }
    }

    @Test
    void zeroTotalIsRejected() {
        assertThatThrownBy(() -> new AliasTable().build(new double[] {0, 0}, 2, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("total weight must be positive, got 0.0");
    }
}
