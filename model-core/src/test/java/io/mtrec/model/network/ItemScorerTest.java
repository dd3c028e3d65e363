package io.mtrec.model.network;

import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.layers.DenseLayer;
import io.mtrec.model.optim.Optimizer;
import io.mtrec.model.sampling.SplitMix64;
import io.mtrec.model.tasks.Task;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ItemScorerTest {

    @ParameterizedTest(name = "bottom.layers={0}")
    @ValueSource(ints = {1, 2})
    void factorisedScoresMatchTheDoublePrecisionForwardPass(int bottomLayers) {
        ModelConfig config =
                ModelConfig.builder()
                        .embeddingDim(6)
                        .bottomHidden(10)
                        .bottomLayers(bottomLayers)
                        .initStd(0.5)
                        .seed(99L)
                        .build();
        MultiTaskNetwork network = MultiTaskNetwork.create(config, Optimizer.fromConfig(config));
        SplitMix64 rng = new SplitMix64(5L);
        // Move every parameter off its initial value so no term is trivially zero or one.
        for (var param : network.denseParams()) {
            float[] values = param.values();
            for (int i = 0; i < values.length; i++) {
                values[i] += (float) (0.2 * rng.nextGaussian());
            }
        }
        network.syncWeights();
        for (int i = 0; i < 3; i++) {
            network.users().getOrCreate("u" + i);
        }
        int items = 150; // more than one padded bucket, not a multiple of it
        for (int i = 0; i < items; i++) {
            network.items().getOrCreate("i" + i);
        }
        ReferenceNetwork reference = new ReferenceNetwork(network);
        ItemScorer scorer = new ItemScorer(network);
        float[] click = new float[items];
        float[] purchase = new float[items];
        float[] rating = new float[items];
        int dim = network.users().dim();
        for (int user = 0; user < 3; user++) {
            scorer.prepare(network.users().values(), user * dim);
            // Score the last 140 items, starting at an offset into the table.
            scorer.score(network.items().values(), 10 * dim, 140, click, purchase, rating);
            for (int i = 0; i < 140; i++) {
                double[] expected = reference.outputs(user, 10 + i);
                assertThat((double) click[i]).isCloseTo(expected[Task.CLICK.index()], within(2e-5));
                assertThat((double) purchase[i])
                        .isCloseTo(expected[Task.PURCHASE.index()], within(2e-5));
                assertThat((double) rating[i])
                        .isCloseTo(expected[Task.RATING.index()], within(2e-5));
            }
        }
        assertThat(network.layers()).hasSize(bottomLayers).allMatch(l -> l instanceof DenseLayer);
    }

    @ParameterizedTest(name = "bottom.layers={0}")
    @ValueSource(ints = {1, 2})
    void stackedUsersScoreAsEachAloneToFloatRounding(int bottomLayers) {
        ModelConfig config =
                ModelConfig.builder()
                        .embeddingDim(8)
                        .bottomHidden(12)
                        .bottomLayers(bottomLayers)
                        .initStd(0.5)
                        .seed(7L)
                        .build();
        MultiTaskNetwork network = MultiTaskNetwork.create(config, Optimizer.fromConfig(config));
        int users = 5;
        int items = 70;
        for (int i = 0; i < users; i++) {
            network.users().getOrCreate("u" + i);
        }
        for (int i = 0; i < items; i++) {
            network.items().getOrCreate("i" + i);
        }
        int dim = network.users().dim();
        ItemScorer scorer = new ItemScorer(network);
        int[] offsets = {4 * dim, 0, 2 * dim, 1 * dim, 3 * dim}; // any order of rows
        int stride = 80;
        float[] click = new float[users * stride];
        float[] purchase = new float[users * stride];
        float[] rating = new float[users * stride];

        scorer.prepareUsers(network.users().values(), offsets, users);
        scorer.scoreUsers(network.items().values(), 0, items, click, purchase, rating, stride);

        float[] aloneClick = new float[items];
        float[] alonePurchase = new float[items];
        float[] aloneRating = new float[items];
        for (int g = 0; g < users; g++) {
            scorer.prepare(network.users().values(), offsets[g]);
            scorer.score(
                    network.items().values(), 0, items, aloneClick, alonePurchase, aloneRating);
            int from = g * stride;
            // A GEMM of another shape may sum in another order: equal to float rounding.
            assertThat(Arrays.copyOfRange(click, from, from + items))
                    .containsExactly(aloneClick, within(1e-6f));
            assertThat(Arrays.copyOfRange(purchase, from, from + items))
                    .containsExactly(alonePurchase, within(1e-6f));
            assertThat(Arrays.copyOfRange(rating, from, from + items))
                    .containsExactly(aloneRating, within(1e-6f));
        }
    }

    @Test
    void scoreAfterPreparingSeveralUsersIsRefused() {
        ModelConfig config = ModelConfig.builder().embeddingDim(4).bottomHidden(4).build();
        MultiTaskNetwork network = MultiTaskNetwork.create(config, Optimizer.fromConfig(config));
        network.users().getOrCreate("u");
        network.items().getOrCreate("i");
        ItemScorer scorer = new ItemScorer(network);
        scorer.prepareUsers(network.users().values(), new int[] {0, 0}, 2);
        float[] out = new float[1];
        assertThatThrownBy(() -> scorer.score(network.items().values(), 0, 1, out, out, out))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("score needs one prepared user, 2 are: use scoreUsers");
        assertThatThrownBy(() -> scorer.prepareUsers(network.users().values(), new int[17], 17))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("count must be in [1, 16], got 17");
    }
}
