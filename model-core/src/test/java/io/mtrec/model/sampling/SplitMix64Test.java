package io.mtrec.model.sampling;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SplitMix64Test {

    @Test
    void matchesTheReferenceSequenceFromStateZero() {
        // Reference values of Vigna's splitmix64.c seeded with 0.
        SplitMix64 rng = new SplitMix64(0L);
        assertThat(rng.nextLong()).isEqualTo(0xE220A8397B1DCDAFL);
        assertThat(rng.nextLong()).isEqualTo(0x6E789E6AA1B965F4L);
        assertThat(rng.nextLong()).isEqualTo(0x06C45D188009454FL);
    }

    @Test
    void restoringTheStateContinuesTheSameSequence() {
        SplitMix64 a = new SplitMix64(123L);
        for (int i = 0; i < 10; i++) {
            a.nextLong();
        }
        SplitMix64 b = new SplitMix64(a.state());
        for (int i = 0; i < 100; i++) {
            assertThat(b.nextInt(1000)).isEqualTo(a.nextInt(1000));
        }
    }

    @Test
    void nextIntStaysInBoundAndIsRoughlyUniform() {
        SplitMix64 rng = new SplitMix64(9L);
        int[] counts = new int[7];
        int draws = 70_000;
        for (int i = 0; i < draws; i++) {
            counts[rng.nextInt(7)]++;
        }
        // Expected 10,000 each; binomial sd is about 93, so 500 is over five sd.
        for (int c : counts) {
            assertThat(c).isBetween(9_500, 10_500);
        }
    }

    @Test
    void gaussianHasUnitVarianceAndZeroMean() {
        SplitMix64 rng = new SplitMix64(5L);
        double sum = 0;
        double sumSq = 0;
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            double g = rng.nextGaussian();
            sum += g;
            sumSq += g * g;
        }
        assertThat(sum / n).isCloseTo(0.0, within(0.02));
        assertThat(sumSq / n).isCloseTo(1.0, within(0.02));
    }

    @Test
    void derivedSeedsDifferByComponent() {
        assertThat(SplitMix64.derive(42, "users")).isNotEqualTo(SplitMix64.derive(42, "items"));
        assertThat(SplitMix64.derive(42, "users")).isEqualTo(SplitMix64.derive(42, "users"));
        assertThat(SplitMix64.derive(42, "users")).isNotEqualTo(SplitMix64.derive(43, "users"));
    }
}
