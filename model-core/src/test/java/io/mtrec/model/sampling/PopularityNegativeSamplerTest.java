package io.mtrec.model.sampling;

import io.mtrec.model.config.ModelConfig;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class PopularityNegativeSamplerTest {
    private static final long[] CLICKS = {0, 1, 5, 20, 100, 3, 0, 50};

    private static PopularityNegativeSampler sampler(long seed, double rebuildFraction) {
        return new PopularityNegativeSampler(seed, 0.75, 1.0, rebuildFraction);
    }

    /** A sampler whose table was built over {@link #CLICKS}. */
    private static PopularityNegativeSampler withClicks(long seed) {
        PopularityNegativeSampler sampler = sampler(seed, 0.0);
        for (int row = 0; row < CLICKS.length; row++) {
            for (int c = 0; c < CLICKS[row]; c++) {
                sampler.observeClick(row);
            }
        }
        sampler.endBatch(CLICKS.length);
        return sampler;
    }

    @Test
    void drawsFollowSmoothedClicksToThePowerThreeQuartersWithinAChiSquareBound() {
        PopularityNegativeSampler sampler = withClicks(11L);
        int positive = 3;
        int draws = 200_000;
        int[] observed = new int[CLICKS.length];
        int[] out = new int[draws];
        assertThat(sampler.sample(positive, CLICKS.length, draws, out)).isEqualTo(draws);
        for (int row : out) {
            observed[row]++;
        }
        double rest = 0;
        for (int row = 0; row < CLICKS.length; row++) {
            rest += row == positive ? 0 : Math.pow(CLICKS[row] + 1.0, 0.75);
        }
        double chiSquare = 0;
        for (int row = 0; row < CLICKS.length; row++) {
            if (row == positive) {
                assertThat(observed[row]).isZero();
                continue;
            }
            double expected = draws * Math.pow(CLICKS[row] + 1.0, 0.75) / rest;
            chiSquare += (observed[row] - expected) * (observed[row] - expected) / expected;
        }
        // 6 degrees of freedom (7 candidate items): P(chi2 > 22.46) = 0.001.
        assertThat(chiSquare).isLessThan(22.46);
    }

    @Test
    void evictionMovesCountsWithTheirRowsAndDropsEvictedOnesFromTheTable() {
        PopularityNegativeSampler sampler = withClicks(1L);
        // Rows 1 and 4 evicted; the survivors 0, 2, 3, 5, 6, 7 move down to 0..5.
        int[] newRowOfOldRow = {0, -1, 1, 2, -1, 3, 4, 5};
        sampler.rowsRemapped(newRowOfOldRow, 6);

        assertThat(sampler.counts()).containsExactly(0L, 5L, 20L, 3L, 0L, 50L);
        assertThat(sampler.builtItems()).isEqualTo(6);
        double total = 0;
        for (long c : new long[] {0, 5, 20, 3, 0, 50}) {
            total += Math.pow(c + 1.0, 0.75);
        }
        assertThat(sampler.probability(2)).isCloseTo(Math.pow(21.0, 0.75) / total, within(1e-12));
        assertThat(sampler.probability(6)).isZero();
    }

    @Test
    void aliasTableProbabilitiesEqualWeightOverTotal() {
        PopularityNegativeSampler sampler = withClicks(1L);
        double total = 0;
        for (long c : CLICKS) {
            total += Math.pow(c + 1.0, 0.75);
        }
        for (int row = 0; row < CLICKS.length; row++) {
            assertThat(sampler.probability(row))
                    .isCloseTo(Math.pow(CLICKS[row] + 1.0, 0.75) / total, within(1e-12));
        }
    }

    @Test
    void logSamplingRatioIsLogOfCandidatesTimesConditionalProbability() {
        PopularityNegativeSampler sampler = sampler(1L, 0.0);
        sampler.observeClick(2);
        sampler.observeClick(2);
        sampler.observeClick(2);
        sampler.endBatch(3);
        // weights 1, 1, 4^0.75 = 2.828427; positive 0 excluded: Q(2) = 2.828427 / 3.828427.
        double w2 = Math.pow(4, 0.75);
        assertThat(sampler.logSamplingRatio(0, 2))
                .isCloseTo(Math.log(2 * w2 / (1 + w2)), within(1e-12));
        assertThat(sampler.logSamplingRatio(0, 1)).isCloseTo(Math.log(2 / (1 + w2)), within(1e-12));
        // Equal weights: every ratio is exactly 0, as for the uniform sampler.
        PopularityNegativeSampler flat = sampler(1L, 0.0);
        flat.endBatch(5);
        assertThat(flat.logSamplingRatio(1, 4)).isEqualTo(0.0);
    }

    @Test
    void clicksChangeTheDistributionAtTheNextBatchEnd() {
        PopularityNegativeSampler sampler = sampler(1L, 0.0);
        sampler.endBatch(4);
        assertThat(sampler.probability(3)).isEqualTo(0.25);
        for (int i = 0; i < 15; i++) {
            sampler.observeClick(3);
        }
        assertThat(sampler.probability(3))
                .as("drawn from the last build until the batch ends")
                .isEqualTo(0.25);
        sampler.endBatch(4);
        // 16^0.75 = 8 against three weights of 1.
        assertThat(sampler.probability(3)).isCloseTo(8.0 / 11.0, within(1e-15));
    }

    @Test
    void tableIsRebuiltOnlyAfterTheConfiguredGrowth() {
        PopularityNegativeSampler sampler = sampler(1L, 0.5);
        for (int i = 0; i < 100; i++) {
            sampler.observeClick(i % 10);
        }
        sampler.endBatch(10);
        assertThat(sampler.builtCounts()).hasSize(10).containsOnly(10L);
        for (int i = 0; i < 49; i++) {
            sampler.observeClick(0);
        }
        sampler.endBatch(14); // +49 clicks (< 50) and +4 items (< 5): keep the table
        assertThat(sampler.builtItems()).isEqualTo(10);
        assertThat(sampler.builtCounts()[0]).isEqualTo(10);
        sampler.endBatch(15); // +5 items
        assertThat(sampler.builtItems()).isEqualTo(15);
        assertThat(sampler.builtCounts()[0]).isEqualTo(59);
    }

    @Test
    void itemsCreatedAfterTheLastBuildAreNotDrawn() {
        PopularityNegativeSampler sampler = sampler(5L, 0.0);
        int[] out = new int[1_000];
        assertThat(sampler.sample(0, 1, 10, out)).as("empty table").isZero();
        sampler.endBatch(2);
        assertThat(sampler.sample(5, 6, out.length, out)).isEqualTo(out.length);
        assertThat(out).containsOnly(0, 1);
        assertThat(sampler.sample(1, 6, 3, out)).isEqualTo(3);
        assertThat(out[0]).isZero();
    }

    @Test
    void positiveIsNeverDrawnEvenWhenItHoldsMostOfTheMass() {
        PopularityNegativeSampler sampler = sampler(9L, 0.0);
        for (int i = 0; i < 100_000; i++) {
            sampler.observeClick(0);
        }
        sampler.endBatch(3);
        assertThat(sampler.probability(0)).isGreaterThan(0.999);
        int[] out = new int[5_000];
        assertThat(sampler.sample(0, 3, out.length, out)).isEqualTo(out.length);
        assertThat(out).doesNotContain(0);
        int ones = 0;
        for (int row : out) {
            ones += row == 1 ? 1 : 0;
        }
        // Items 1 and 2 weigh the same: about half each (5 standard deviations: +-177).
        assertThat(ones).isBetween(2_323, 2_677);
    }

    @Test
    void sameSeedAndCallsGiveTheSameDrawsAndAnotherSeedDoesNot() {
        int[] a = new int[500];
        int[] b = new int[500];
        int[] c = new int[500];
        withClicks(3L).sample(2, CLICKS.length, 500, a);
        withClicks(3L).sample(2, CLICKS.length, 500, b);
        withClicks(4L).sample(2, CLICKS.length, 500, c);
        assertThat(b).containsExactly(a);
        assertThat(c).isNotEqualTo(a);
    }

    @Test
    void restoredSamplerDrawsExactlyAsTheSavedOne() {
        ModelConfig config = ModelConfig.builder().set("negatives.rebuild.fraction", "0.5").build();
        PopularityNegativeSampler live =
                PopularityNegativeSampler.fresh(config, SplitMix64.derive(1L, "negatives"));
        for (int row = 0; row < CLICKS.length; row++) {
            for (int c = 0; c < CLICKS[row]; c++) {
                live.observeClick(row);
            }
        }
        live.endBatch(CLICKS.length);
        live.observeClick(0); // counted, but below the rebuild threshold: the table is stale
        live.endBatch(CLICKS.length);
        int[] warmUp = new int[7];
        live.sample(1, CLICKS.length, 7, warmUp);
        assertThat(live.counts()).isNotEqualTo(live.builtCounts());

        PopularityNegativeSampler restored =
                PopularityNegativeSampler.restore(
                        config, live.rngState(), live.counts(), live.builtCounts());
        int[] fromLive = new int[1_000];
        int[] fromRestored = new int[1_000];
        live.sample(4, CLICKS.length, 1_000, fromLive);
        restored.sample(4, CLICKS.length, 1_000, fromRestored);
        assertThat(fromRestored).containsExactly(fromLive);
        assertThat(restored.logSamplingRatio(4, 7)).isEqualTo(live.logSamplingRatio(4, 7));
        assertThat(restored.rngState()).isEqualTo(live.rngState());
    }

    @Test
    void restoreRejectsCountsThatShrankSinceTheBuild() {
        ModelConfig config = ModelConfig.defaults();
        assertThatThrownBy(
                        () ->
                                PopularityNegativeSampler.restore(
                                        config, 1L, new long[] {3, 1}, new long[] {3, 2}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "item row 1 has 1 clicks, 2 at the last build: counts must be >= 0 and"
                                + " never shrink");
    }
}
