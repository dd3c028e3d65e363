package io.mtrec.model.sampling;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class UniformNegativeSamplerTest {

    @Test
    void neverDrawsThePositiveAndCoversEveryOtherItemUniformly() {
        UniformNegativeSampler sampler = UniformNegativeSampler.seeded(1L);
        int[] out = new int[5];
        int[] counts = new int[6];
        for (int i = 0; i < 10_000; i++) {
            assertThat(sampler.sample(2, 6, 5, out)).isEqualTo(5);
            for (int row : out) {
                counts[row]++;
            }
        }
        assertThat(counts[2]).isZero();
        // 50,000 draws over 5 items: 10,000 expected each, sd about 89.
        for (int row : new int[] {0, 1, 3, 4, 5}) {
            assertThat(counts[row]).isBetween(9_500, 10_500);
        }
    }

    @Test
    void drawsNothingWhenTheTableHoldsOnlyThePositive() {
        UniformNegativeSampler sampler = UniformNegativeSampler.seeded(1L);
        long state = sampler.state();
        assertThat(sampler.sample(0, 1, 4, new int[4])).isZero();
        assertThat(sampler.state()).isEqualTo(state);
    }

    @Test
    void restoredSamplerDrawsTheSameItems() {
        UniformNegativeSampler a = UniformNegativeSampler.seeded(3L);
        a.sample(0, 100, 7, new int[7]);
        UniformNegativeSampler b = new UniformNegativeSampler(a.state());
        int[] fromA = new int[20];
        int[] fromB = new int[20];
        a.sample(10, 100, 20, fromA);
        b.sample(10, 100, 20, fromB);
        assertThat(fromB).containsExactly(fromA);
    }
}
