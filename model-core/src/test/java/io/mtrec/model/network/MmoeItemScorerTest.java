package io.mtrec.model.network;

import io.mtrec.model.config.Architecture;
import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.optim.Optimizer;
import io.mtrec.model.sampling.SplitMix64;
import io.mtrec.model.tasks.Task;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class MmoeItemScorerTest {

    @ParameterizedTest(name = "bottom.layers={0}")
    @ValueSource(ints = {1, 2})
    void scoresMatchTheDoublePrecisionForwardPass(int bottomLayers) {
        MultiTaskNetwork network = network(bottomLayers);
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
        UserItemScorer scorer = UserItemScorer.forNetwork(network);
        assertThat(scorer).isInstanceOf(MmoeItemScorer.class);
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
    }

    @Test
    void theFactorisedScorerRefusesAnMmoeNetworkAndTheFactoryPicksByArchitecture() {
        MultiTaskNetwork mmoe = network(1);
        assertThatThrownBy(() -> new ItemScorer(mmoe))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "ItemScorer folds the heads onto the bottom's output; an MMoE network's"
                                + " heads read expert mixtures: use MmoeItemScorer");
        ModelConfig config = ModelConfig.builder().embeddingDim(4).bottomHidden(6).build();
        MultiTaskNetwork shared = MultiTaskNetwork.create(config, Optimizer.fromConfig(config));
        assertThat(UserItemScorer.forNetwork(shared)).isInstanceOf(ItemScorer.class);
        assertThatThrownBy(() -> new MmoeItemScorer(shared))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "MmoeItemScorer needs an MMoE network; use ItemScorer for a shared bottom");
    }

    private static MultiTaskNetwork network(int bottomLayers) {
        ModelConfig config =
                ModelConfig.builder()
                        .embeddingDim(6)
                        .bottomHidden(10)
                        .bottomLayers(bottomLayers)
                        .architecture(Architecture.MMOE)
                        .mmoeExperts(3)
                        .mmoeExpertHidden(5)
                        .initStd(0.5)
                        .seed(99L)
                        .build();
        return MultiTaskNetwork.create(config, Optimizer.fromConfig(config));
    }
}
