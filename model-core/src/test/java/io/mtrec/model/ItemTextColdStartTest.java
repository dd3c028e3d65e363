package io.mtrec.model;

import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.sampling.SplitMix64;
import io.mtrec.model.synthetic.PlantedTruth;
import io.mtrec.model.synthetic.SyntheticConfig;
import io.mtrec.model.synthetic.SyntheticGenerator;
import io.mtrec.schemas.ItemProfile;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cold start from item text on a planted world whose text embeddings are a noisy linear function of
 * the items' latent factors: never-trained items with a profile are placed by the learned
 * projection next to trained items with similar text.
 */
class ItemTextColdStartTest {
    private static final int USERS = 300;
    private static final int ITEMS = 200;
    private static final int TWINS = 20;
    private static final int TEXT_DIM = 16;

    @Test
    void neverTrainedItemsWithTextScoreLikeTheirTrainedTwinsAndFollowTheTruth() {
        SyntheticConfig world =
                SyntheticConfig.builder().users(USERS).items(ITEMS).seed(11L).build();
        SyntheticGenerator generator = new SyntheticGenerator(world, 1_000);
        PlantedTruth truth = generator.truth();
        MultiTaskLearner learner =
                new MultiTaskLearner(
                        ModelConfig.builder()
                                .embeddingDim(16)
                                .bottomHidden(32)
                                .itemTextDim(TEXT_DIM)
                                .metricsWindow(1_000)
                                .seed(5L)
                                .build());
        List<ItemProfile> profiles = generator.itemProfiles(0L);
        for (ItemProfile profile : profiles) {
            learner.updateItemProfile(profile.getItemId().toString(), floats(profile));
        }
        for (int b = 0; b < 400; b++) {
            List<Interaction> batch = new ArrayList<>(512);
            for (int i = 0; i < 512; i++) {
                batch.add(generator.next().interaction());
            }
            learner.learn(batch);
        }

        // Twins: the text of trained item j (among the most popular) plus noise of 0.05 per value
        // (the world's own text noise is 0.1), never seen in an event. Bare items have neither
        // profile nor events. Alignment with the truth: Pearson correlation over users of
        // P(click) with item j's true click probability, averaged over the twins.
        double sumGap = 0;
        double twinCorrelation = 0;
        double bareCorrelation = 0;
        double trainedCorrelation = 0;
        SplitMix64 rng = new SplitMix64(3L);
        for (int j = 0; j < TWINS; j++) {
            float[] text = floats(profiles.get(j));
            for (int k = 0; k < text.length; k++) {
                text[k] += (float) (0.05 * rng.nextGaussian());
            }
            learner.updateItemProfile("twin" + j, text);
            double[] twin = new double[USERS];
            double[] trained = new double[USERS];
            double[] bare = new double[USERS];
            double[] truthOfJ = new double[USERS];
            for (int u = 0; u < USERS; u++) {
                String user = SyntheticGenerator.userId(u);
                twin[u] = learner.score(user, "twin" + j).click();
                trained[u] = learner.score(user, SyntheticGenerator.itemId(j)).click();
                bare[u] = learner.score(user, "bare" + j).click();
                truthOfJ[u] = truth.clickProbability(u, j);
                sumGap += Math.abs(twin[u] - trained[u]);
            }
            twinCorrelation += correlation(twin, truthOfJ) / TWINS;
            trainedCorrelation += correlation(trained, truthOfJ) / TWINS;
            bareCorrelation += correlation(bare, truthOfJ) / TWINS;
        }
        double meanGap = sumGap / (TWINS * USERS);
        // Measured (seed 11/5): gap 0.074, twin r 0.93 (trained items 0.93), bare r 0.06.
        // Tolerance: a twin's P(click) is within 0.15 of its trained item's on average over
        // users; what remains is the trained item's own residual row and biases.
        assertThat(meanGap).isLessThan(0.15);
        assertThat(twinCorrelation).isGreaterThan(0.8);
        assertThat(trainedCorrelation).isGreaterThan(0.8);
        assertThat(Math.abs(bareCorrelation)).isLessThan(0.3);
        assertThat(twinCorrelation - bareCorrelation).isGreaterThan(0.5);
    }

    private static float[] floats(ItemProfile profile) {
        List<Float> values = profile.getTextEmbedding();
        float[] out = new float[values.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = values.get(k);
        }
        return out;
    }

    /** Pearson correlation of two equally long series. */
    static double correlation(double[] a, double[] b) {
        double ma = 0;
        double mb = 0;
        for (int i = 0; i < a.length; i++) {
            ma += a[i] / a.length;
            mb += b[i] / b.length;
        }
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int i = 0; i < a.length; i++) {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return sab / Math.sqrt(saa * sbb);
    }
}
