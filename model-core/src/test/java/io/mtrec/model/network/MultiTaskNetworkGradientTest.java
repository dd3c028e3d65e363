package io.mtrec.model.network;

import io.mtrec.model.config.Architecture;
import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.config.OptimizerKind;
import io.mtrec.model.config.RatingLoss;
import io.mtrec.model.config.TaskWeighting;
import io.mtrec.model.embedding.SparseRowGradients;
import io.mtrec.model.layers.DenseLayer;
import io.mtrec.model.layers.MmoeParams;
import io.mtrec.model.optim.Optimizer;
import io.mtrec.model.tasks.Losses;
import io.mtrec.model.tasks.Objective;
import io.mtrec.model.tasks.Task;
import io.mtrec.model.tasks.UncertaintyWeights;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Central-difference gradient checks of every parameter group: the float/ND4J backward pass against
 * numerical derivatives of an independent double-precision forward ({@link ReferenceNetwork}).
 *
 * <p>Tolerance: |analytic - numeric| <= 2e-6 + 1e-4 * |numeric|. The numeric derivative (step 1e-6
 * in double) is exact to about 1e-9 here; the rest is float rounding in the analytic path.
 */
class MultiTaskNetworkGradientTest {
    private static final double STEP = 1e-6;
    private static final double ABS_TOLERANCE = 2e-6;
    private static final double REL_TOLERANCE = 1e-4;

    @ParameterizedTest(name = "bottom.layers={0}")
    @ValueSource(ints = {1, 2})
    void analyticGradientsMatchCentralDifferencesForEveryParameter(int bottomLayers) {
        checkEveryParameter(tinyNetwork(bottomLayers, Architecture.SHARED_BOTTOM));
    }

    @ParameterizedTest(name = "bottom.layers={0}")
    @ValueSource(ints = {1, 2})
    void mmoeExpertGateHeadAndBottomGradientsMatchCentralDifferences(int bottomLayers) {
        MultiTaskNetwork network = tinyNetwork(bottomLayers, Architecture.MMOE);
        assertThat(network.mmoe()).isPresent();
        assertThat(network.headWidth()).isEqualTo(4);
        checkEveryParameter(network);
    }

    @ParameterizedTest(name = "rating.loss={0}, task.weighting={1}")
    @CsvSource({"mse, uncertainty", "huber, static", "huber, uncertainty"})
    void analyticGradientsMatchCentralDifferencesWithHuberAndLearnedTaskWeights(
            String ratingLoss, String weighting) {
        MultiTaskNetwork network =
                tinyNetwork(
                        tinyConfig(1)
                                // Every value shared: the rating errors below sit on both sides
                                // of delta with this seed.
                                .purchasePrivateFraction(0.0)
                                .ratingLoss(RatingLoss.fromConfigName(ratingLoss))
                                .ratingHuberDelta(0.8)
                                .taskWeighting(TaskWeighting.fromConfigName(weighting))
                                .build());
        UncertaintyWeights uncertainty = network.uncertaintyWeights();
        assertThat(uncertainty == null).isEqualTo(weighting.equals("static"));
        if (uncertainty != null) {
            // Away from the starting point s = 0, where exp(-s) = 1 would hide a missing factor.
            float[] s = uncertainty.param().values();
            s[0] = 0.3f;
            s[1] = -0.6f;
            s[2] = 0.45f;
        }
        ExampleBatch batch = mixedBatch(network);
        ReferenceNetwork reference = new ReferenceNetwork(network);
        int inside = 0;
        int beyond = 0;
        for (int i = 0; i < batch.size(); i++) {
            if (batch.has(i, Objective.RATING)) {
                double z = reference.outputs(batch.userRow(i), batch.itemRow(i))[2];
                double e = Math.abs(z - batch.label(i, Objective.RATING));
                assertThat(Math.abs(e - 0.8))
                        .as("rating error away from the kink")
                        .isGreaterThan(1e-3);
                inside += e < 0.8 ? 1 : 0;
                beyond += e > 0.8 ? 1 : 0;
            }
        }
        assertThat(inside).as("rating errors inside delta").isPositive();
        assertThat(beyond).as("rating errors beyond delta").isPositive();

        checkEveryParameter(network, batch);
        if (uncertainty != null) {
            check(
                    "task log-variances",
                    reference,
                    batch,
                    reference.logVariances,
                    uncertainty.param().grads());
        }
    }

    private static void checkEveryParameter(MultiTaskNetwork network, ExampleBatch batch) {
        assertGradientsMatchCentralDifferences(network, batch);
    }

    private static void checkEveryParameter(MultiTaskNetwork network) {
        assertGradientsMatchCentralDifferences(network, mixedBatch(network));
    }

    @ParameterizedTest(name = "bottom.layers={0}")
    @ValueSource(ints = {1, 2})
    void gradientsOfTheLogQCorrectedLossMatchCentralDifferences(int bottomLayers) {
        MultiTaskNetwork network = tinyNetwork(bottomLayers, Architecture.SHARED_BOTTOM);
        ExampleBatch batch = mixedBatch(network);
        // Sampled click negatives with their logQ offsets -log(N Q(j)): a popular item (offset
        // below 0) and a rare one (above 0), and a pair that also occurs as a real example.
        batch.add(Task.CLICK, 1, 0, 0f, 0.25f, -1.3f, false);
        batch.add(Task.CLICK, 2, 3, 0f, 0.25f, 0.8f, false);
        batch.add(Task.CLICK, 1, 2, 0f, 0.5f, -0.4f, false);
        assertGradientsMatchCentralDifferences(network, batch);
    }

    @Test
    void logitOffsetShiftsTheTrainingLogitButNotPredict() {
        MultiTaskNetwork network = tinyNetwork(1, Architecture.SHARED_BOTTOM);
        ExampleBatch batch = new ExampleBatch();
        int u = network.users().getOrCreate("u0");
        int v = network.items().getOrCreate("i0");
        float offset = (float) -Math.log(3.0);
        batch.add(Task.CLICK, u, v, 0f, 1f, offset, false);
        double loss = network.computeGradients(batch);
        double z = logit(network.predict(batch, 0, Task.CLICK));
        // BCE with label 0 of the shifted logit: log(1 + exp(z - log 3)).
        assertThat(loss).isCloseTo(Math.log1p(Math.exp(z + offset)), within(1e-6));
        assertThat((double) network.predictions(0))
                .isCloseTo(1 / (1 + Math.exp(-(z + offset))), within(1e-6));
        // d/db_click = sigmoid(z - log 3) - 0.
        assertThat((double) network.head(Task.CLICK).bias().grads()[0])
                .isCloseTo(1 / (1 + Math.exp(-(z + offset))), within(1e-6));
    }

    private static double logit(float p) {
        return Math.log(p / (1.0 - p));
    }

    private static void assertGradientsMatchCentralDifferences(
            MultiTaskNetwork network, ExampleBatch batch) {
        double loss = network.computeGradients(batch);
        ReferenceNetwork reference = new ReferenceNetwork(network);
        assertThat(loss).isCloseTo(reference.loss(batch), within(1e-6));
        // A step of 1e-6 moves a pre-activation by well under 1e-5 here, and float rounding by
        // about 1e-7: a unit further than 1e-5 from 0 stays on one side of the ReLU kink.
        assertThat(reference.smallestPreActivation)
                .as("no ReLU input within reach of its kink")
                .isGreaterThan(1e-5);

        DenseLayer[] layers = network.layers();
        for (int l = 0; l < layers.length; l++) {
            check(
                    "bottom." + l + ".weight",
                    reference,
                    batch,
                    reference.weights[l],
                    layers[l].weight().grads());
            check(
                    "bottom." + l + ".bias",
                    reference,
                    batch,
                    reference.biases[l],
                    layers[l].bias().grads());
        }
        MmoeParams mmoe = network.mmoe().orElse(null);
        if (mmoe != null) {
            check(
                    "mmoe.experts.weight",
                    reference,
                    batch,
                    reference.expertWeights,
                    mmoe.expertWeight().grads());
            check(
                    "mmoe.experts.bias",
                    reference,
                    batch,
                    reference.expertBiases,
                    mmoe.expertBias().grads());
            check(
                    "mmoe.gates.weight",
                    reference,
                    batch,
                    reference.gateWeights,
                    mmoe.gateWeight().grads());
            check(
                    "mmoe.gates.bias",
                    reference,
                    batch,
                    reference.gateBiases,
                    mmoe.gateBias().grads());
        }
        for (Task task : Task.values()) {
            check(
                    task + " head weight",
                    reference,
                    batch,
                    reference.headWeights[task.index()],
                    network.head(task).weight().grads());
            double[] bias = {reference.headBiases[task.index()]};
            ReferenceNetwork withBias = reference;
            double numeric =
                    numericDerivative(
                            withBias,
                            batch,
                            bias,
                            0,
                            () -> withBias.headBiases[task.index()] = bias[0]);
            assertClose(task + " head bias", network.head(task).bias().grads()[0], numeric);
        }
        check(
                "user rows",
                reference,
                batch,
                reference.users,
                dense(network.userGradients(), network.users().size()));
        check(
                "item rows",
                reference,
                batch,
                reference.items,
                dense(network.itemGradients(), network.items().size()));
        check(
                "user row biases",
                reference,
                batch,
                reference.userBiases,
                denseBiases(network.userGradients(), network.users().size()));
        check(
                "item row biases",
                reference,
                batch,
                reference.itemBiases,
                denseBiases(network.itemGradients(), network.items().size()));
    }

    @Test
    void textProjectionAndItemRowGradientsMatchCentralDifferences() {
        MultiTaskNetwork network = tinyNetwork(1, Architecture.SHARED_BOTTOM, 2);
        ExampleBatch batch = mixedBatch(network);
        // Items 0 and 2 have text, 1 and 3 have none (t = 0: their vector is their row).
        float[] features = network.items().features();
        float[][] text = {{0.8f, -0.5f}, {0f, 0f}, {-0.3f, 1.1f}, {0f, 0f}};
        for (int i = 0; i < text.length; i++) {
            network.items().setFeatures(i, text[i]);
        }
        float[] p = network.textProjection().weight().values();
        for (int k = 0; k < p.length; k++) {
            p[k] = 0.15f * (k % 4) - 0.2f;
        }
        double loss = network.computeGradients(batch);
        ReferenceNetwork reference = new ReferenceNetwork(network);
        assertThat(reference.itemText[2 * 2 + 1]).isEqualTo(features[2 * 2 + 1]);
        assertThat(loss).isCloseTo(reference.loss(batch), within(1e-6));
        assertThat(reference.smallestPreActivation)
                .as("no ReLU input within reach of its kink")
                .isGreaterThan(1e-5);

        check(
                "item text projection",
                reference,
                batch,
                reference.projection,
                network.textProjection().weight().grads());
        check(
                "item rows",
                reference,
                batch,
                reference.items,
                dense(network.itemGradients(), network.items().size()));
        check(
                "user rows",
                reference,
                batch,
                reference.users,
                dense(network.userGradients(), network.users().size()));
        check(
                "bottom.0.weight",
                reference,
                batch,
                reference.weights[0],
                network.layers()[0].weight().grads());
    }

    @ParameterizedTest(name = "architecture={0}")
    @EnumSource(Architecture.class)
    void predictGivesEveryHeadsOutputForAnyExampleOfThePass(Architecture architecture) {
        MultiTaskNetwork network = tinyNetwork(2, architecture);
        ExampleBatch batch = mixedBatch(network);
        network.computeGradients(batch);
        ReferenceNetwork reference = new ReferenceNetwork(network);
        for (int i = 0; i < batch.size(); i++) {
            double[] z = reference.outputs(batch.userRow(i), batch.itemRow(i));
            assertThat((double) network.predict(batch, i, Task.CLICK))
                    .isCloseTo(1 / (1 + Math.exp(-z[0])), within(1e-6));
            assertThat((double) network.predict(batch, i, Task.PURCHASE))
                    .isCloseTo(1 / (1 + Math.exp(-z[1])), within(1e-6));
            assertThat((double) network.predict(batch, i, Task.RATING))
                    .isCloseTo(z[2], within(1e-5));
            assertThat(network.predict(batch, i, batch.task(i))).isEqualTo(network.predictions(i));
        }
    }

    @Test
    void lossAndHeadGradientsMatchHandComputedValuesAndOtherHeadsGetNone() {
        MultiTaskNetwork network = tinyNetwork(1, Architecture.SHARED_BOTTOM);
        ExampleBatch batch = new ExampleBatch();
        int u = network.users().getOrCreate("u0");
        int v = network.items().getOrCreate("i0");
        batch.add(Task.CLICK, u, v, 1f, 1f, true);
        batch.add(Task.RATING, u, v, 4f, 0.5f, true);
        double loss = network.computeGradients(batch);
        double p = network.predictions(0);
        double z = network.predictions(1);
        // mean over 2 examples of 1 * -log(p) and 0.5 * (z - 4)^2
        assertThat(loss).isCloseTo((-Math.log(p) + 0.5 * (z - 4) * (z - 4)) / 2, within(1e-6));
        // d/db_click = (p - 1) / 2, d/db_rating = 0.5 * 2 (z - 4) / 2
        assertThat((double) network.head(Task.CLICK).bias().grads()[0])
                .isCloseTo((p - 1) / 2, within(1e-7));
        assertThat((double) network.head(Task.RATING).bias().grads()[0])
                .isCloseTo(0.5 * (z - 4), within(1e-6));
        assertThat(network.head(Task.PURCHASE).bias().grads()[0]).isZero();
        for (float g : network.head(Task.PURCHASE).weight().grads()) {
            assertThat(g).isZero();
        }
        assertThat(Losses.sigmoid((float) Math.log(p / (1 - p))))
                .isCloseTo((float) p, within(1e-6f));
    }

    private static ModelConfig.Builder tinyConfig(int bottomLayers) {
        return tinyConfig(bottomLayers, Architecture.SHARED_BOTTOM, 0);
    }

    private static ModelConfig.Builder tinyConfig(
            int bottomLayers, Architecture architecture, int itemTextDim) {
        return ModelConfig.builder()
                .embeddingDim(3)
                .bottomHidden(5)
                .bottomLayers(bottomLayers)
                .architecture(architecture)
                .mmoeExperts(3)
                .mmoeExpertHidden(4)
                .optimizer(OptimizerKind.SGD)
                .initStd(0.7)
                .seed(2024L)
                .itemTextDim(itemTextDim)
                // d = 3: one value of each row is private to the purchase head.
                .purchasePrivateFraction(0.34);
    }

    private static MultiTaskNetwork tinyNetwork(int bottomLayers) {
        return tinyNetwork(tinyConfig(bottomLayers).build());
    }

    private static MultiTaskNetwork tinyNetwork(int bottomLayers, Architecture architecture) {
        return tinyNetwork(bottomLayers, architecture, 0);
    }

    private static MultiTaskNetwork tinyNetwork(
            int bottomLayers, Architecture architecture, int itemTextDim) {
        return tinyNetwork(tinyConfig(bottomLayers, architecture, itemTextDim).build());
    }

    private static MultiTaskNetwork tinyNetwork(ModelConfig config) {
        MultiTaskNetwork network = MultiTaskNetwork.create(config, Optimizer.fromConfig(config));
        // Non-zero per-task row biases, so their gradients are checked away from the start.
        for (int i = 0; i < 4; i++) {
            network.users().getOrCreate("u" + i);
            network.items().getOrCreate("i" + i);
        }
        for (int k = 0; k < 12; k++) {
            network.users().biases()[k] = 0.1f * (k % 5) - 0.2f;
            network.items().biases()[k] = 0.3f - 0.07f * k;
        }
        // Give the bottom non-zero biases so some units start inactive and some active.
        for (DenseLayer layer : network.layers()) {
            float[] b = layer.bias().values();
            for (int j = 0; j < b.length; j++) {
                b[j] = 0.2f * (j % 3 - 1) + 0.05f;
            }
        }
        // Likewise for the experts, and uneven gates, so every softmax term has a gradient.
        network.mmoe()
                .ifPresent(
                        mmoe -> {
                            float[] c = mmoe.expertBias().values();
                            for (int j = 0; j < c.length; j++) {
                                c[j] = 0.15f * (j % 3 - 1) + 0.03f;
                            }
                            float[] g = mmoe.gateBias().values();
                            for (int j = 0; j < g.length; j++) {
                                g[j] = 0.4f * (j % 4) - 0.5f;
                            }
                        });
        return network;
    }

    private static ExampleBatch mixedBatch(MultiTaskNetwork network) {
        for (int i = 0; i < 3; i++) {
            network.users().getOrCreate("u" + i);
        }
        for (int i = 0; i < 4; i++) {
            network.items().getOrCreate("i" + i);
        }
        ExampleBatch batch = new ExampleBatch();
        batch.add(Task.CLICK, 0, 0, 1f, 1f, true);
        batch.add(Task.CLICK, 0, 1, 0f, 0.25f, false);
        batch.add(Task.CLICK, 1, 2, 0f, 1f, true);
        batch.add(Task.PURCHASE, 1, 2, 1f, 1f, true);
        batch.add(Task.PURCHASE, 2, 3, 0f, 2f, true);
        batch.add(Task.RATING, 2, 0, 4.5f, 0.5f, true);
        batch.add(Task.RATING, 0, 3, 1f, 0.5f, true);
        batch.add(Task.RATING, 1, 1, 3f, 1f, true);
        // ESMM: an impression (click and CTCVR on one pass), a sampled negative likewise, and
        // CTCVR-only labels of resolved clicks and of a purchase.
        int impression = batch.add(Objective.CLICK, 2, 1, 0f, 1f, true);
        batch.addLoss(impression, Objective.CTCVR, 0f, 0.75f);
        int sampled = batch.add(Objective.CLICK, 1, 3, 0f, 0.25f, false);
        batch.addLoss(sampled, Objective.CTCVR, 0f, 0.5f);
        batch.add(Objective.CTCVR, 0, 2, 1f, 1.5f, true);
        batch.add(Objective.CTCVR, 2, 2, 0f, 1f, true);
        return batch;
    }

    @Test
    void esmmImpressionLossAndHeadGradientsMatchHandComputedValues() {
        MultiTaskNetwork network = tinyNetwork(1);
        ExampleBatch batch = new ExampleBatch();
        int u = network.users().getOrCreate("u0");
        int v = network.items().getOrCreate("i0");
        int i = batch.add(Objective.CLICK, u, v, 0f, 1f, true);
        batch.addLoss(i, Objective.CTCVR, 0f, 2f);
        double loss = network.computeGradients(batch);
        double[] z = new ReferenceNetwork(network).outputs(u, v);
        double sc = 1 / (1 + Math.exp(-z[0]));
        double sp = 1 / (1 + Math.exp(-z[1]));
        double p = sc * sp;
        // 1 * BCE(pCTR, 0) + 2 * BCE(pCTR * pCVR, 0), over one example
        assertThat(loss).isCloseTo(-Math.log(1 - sc) - 2 * Math.log(1 - p), within(1e-6));
        // d/dzc = sigmoid(zc) + 2 p (1 - sc) / (1 - p); d/dzp = 2 p (1 - sp) / (1 - p)
        assertThat((double) network.head(Task.CLICK).bias().grads()[0])
                .isCloseTo(sc + 2 * p * (1 - sc) / (1 - p), within(1e-6));
        assertThat((double) network.head(Task.PURCHASE).bias().grads()[0])
                .isCloseTo(2 * p * (1 - sp) / (1 - p), within(1e-6));
        assertThat(network.head(Task.RATING).bias().grads()[0]).isZero();
        assertThat((double) network.predictions(i)).isCloseTo(sc, within(1e-6));
    }

    @Test
    void ctcvrOnlyExamplePredictsTheConversionProbability() {
        MultiTaskNetwork network = tinyNetwork(1);
        ExampleBatch batch = new ExampleBatch();
        int u = network.users().getOrCreate("u0");
        int v = network.items().getOrCreate("i0");
        int i = batch.add(Objective.CTCVR, u, v, 1f, 1f, true);
        network.computeGradients(batch);
        double zp = new ReferenceNetwork(network).outputs(u, v)[1];
        assertThat((double) network.predictions(i))
                .isCloseTo(1 / (1 + Math.exp(-zp)), within(1e-6));
    }

    @Test
    void uncertaintyWeightingAtZeroLogVarianceKeepsClassificationLossAndHalvesTheRating() {
        MultiTaskNetwork network =
                tinyNetwork(tinyConfig(1).taskWeighting(TaskWeighting.UNCERTAINTY).build());
        ExampleBatch batch = new ExampleBatch();
        int u = network.users().getOrCreate("u0");
        int v = network.items().getOrCreate("i0");
        batch.add(Task.CLICK, u, v, 1f, 1f, true);
        batch.add(Task.RATING, u, v, 4f, 1f, true);
        double loss = network.computeGradients(batch);
        double p = network.predictions(0);
        double z = network.predictions(1);
        assertThat(loss).isCloseTo((-Math.log(p) + 0.5 * (z - 4) * (z - 4)) / 2, within(1e-6));
        // d/ds_k = (-scale_k l_k + 1/2) / n: the click's, and the rating's with scale 1/2.
        float[] ds = network.uncertaintyWeights().param().grads();
        assertThat((double) ds[0]).isCloseTo((Math.log(p) + 0.5) / 2, within(1e-6));
        assertThat(ds[1]).isZero();
        assertThat((double) ds[2]).isCloseTo((-0.5 * (z - 4) * (z - 4) + 0.5) / 2, within(1e-6));
        assertThat(network.denseParams()).last().isSameAs(network.uncertaintyWeights().param());
        assertThat(network.taskLogVariance(Task.RATING)).isZero();
    }

    @Test
    void staticTaskWeightsAddNoDenseParameterAndNoLogVariance() {
        MultiTaskNetwork network = tinyNetwork(1);
        assertThat(network.uncertaintyWeights()).isNull();
        assertThat(network.denseParams()).hasSize(2 + 2 * Task.values().length);
        assertThat(network.taskLogVariance(Task.CLICK)).isNaN();
    }

    private static double[] dense(SparseRowGradients grads, int rows) {
        double[] all = new double[rows * grads.dim()];
        for (int s = 0; s < grads.count(); s++) {
            for (int j = 0; j < grads.dim(); j++) {
                all[grads.row(s) * grads.dim() + j] = grads.grads()[s * grads.dim() + j];
            }
        }
        return all;
    }

    private static double[] denseBiases(SparseRowGradients grads, int rows) {
        int width = grads.biasWidth();
        double[] all = new double[rows * width];
        for (int s = 0; s < grads.count(); s++) {
            for (int t = 0; t < width; t++) {
                all[grads.row(s) * width + t] = grads.biasGrads()[s * width + t];
            }
        }
        return all;
    }

    private static void check(
            String what,
            ReferenceNetwork reference,
            ExampleBatch batch,
            double[] params,
            float[] analytic) {
        double[] asDouble = new double[analytic.length];
        for (int i = 0; i < analytic.length; i++) {
            asDouble[i] = analytic[i];
        }
        check(what, reference, batch, params, asDouble);
    }

    private static void check(
            String what,
            ReferenceNetwork reference,
            ExampleBatch batch,
            double[] params,
            double[] analytic) {
        assertThat(analytic).as(what).hasSize(params.length);
        for (int k = 0; k < params.length; k++) {
            double numeric = numericDerivative(reference, batch, params, k, () -> {});
            assertClose(what + "[" + k + "]", analytic[k], numeric);
        }
    }

    private static double numericDerivative(
            ReferenceNetwork reference, ExampleBatch batch, double[] params, int k, Runnable sync) {
        double saved = params[k];
        params[k] = saved + STEP;
        sync.run();
        double plus = reference.loss(batch);
        params[k] = saved - STEP;
        sync.run();
        double minus = reference.loss(batch);
        params[k] = saved;
        sync.run();
        return (plus - minus) / (2 * STEP);
    }

    private static void assertClose(String what, double analytic, double numeric) {
        assertThat(analytic)
                .as(what)
                .isCloseTo(numeric, within(ABS_TOLERANCE + REL_TOLERANCE * Math.abs(numeric)));
    }
}
