package io.mtrec.model.config;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelConfigTest {

    @Test
    void defaultsAreTheDocumentedValues() {
        ModelConfig config = ModelConfig.defaults();
        assertThat(config.embeddingDim()).isEqualTo(32);
        assertThat(config.bottomHidden()).isEqualTo(64);
        assertThat(config.bottomLayers()).isEqualTo(1);
        assertThat(config.architecture()).isEqualTo(Architecture.SHARED_BOTTOM);
        assertThat(config.mmoeExperts()).isEqualTo(4);
        assertThat(config.mmoeExpertHidden()).isEqualTo(32);
        assertThat(config.optimizer()).isEqualTo(OptimizerKind.ADAGRAD);
        assertThat(config.learningRate()).isEqualTo(0.2);
        assertThat(config.adagradInitialAccumulator()).isEqualTo(0.1);
        assertThat(config.adagradEpsilon()).isEqualTo(1e-8);
        assertThat(config.negativesPerPositive()).isEqualTo(1);
        assertThat(config.negativesWeight()).isEqualTo(0.1);
        assertThat(config.negativesSampler()).isEqualTo(NegativeSamplerKind.POPULARITY);
        assertThat(config.negativesPopularityExponent()).isEqualTo(0.75);
        assertThat(config.negativesPopularitySmoothing()).isEqualTo(1.0);
        assertThat(config.negativesRebuildFraction()).isEqualTo(0.01);
        assertThat(config.negativesLogqCorrection()).isTrue();
        assertThat(config.adamBeta1()).isEqualTo(0.9);
        assertThat(config.adamBeta2()).isEqualTo(0.999);
        assertThat(config.adamEpsilon()).isEqualTo(1e-8);
        assertThat(config.ratingMin()).isEqualTo(1.0);
        assertThat(config.ratingMax()).isEqualTo(5.0);
        assertThat(config.conversionWindowMs()).isEqualTo(3_600_000L);
        assertThat(config.lossWeightClick()).isEqualTo(1.0);
        assertThat(config.lossWeightPurchase()).isEqualTo(1.0);
        assertThat(config.lossWeightRating()).isEqualTo(1.0);
        assertThat(config.purchaseTraining()).isEqualTo(PurchaseTraining.ESMM);
        assertThat(config.taskWeighting()).isEqualTo(TaskWeighting.STATIC);
        assertThat(config.ratingLoss()).isEqualTo(RatingLoss.MSE);
        assertThat(config.ratingHuberDelta()).isEqualTo(1.0);
        assertThat(config.scoreWeightClick()).isEqualTo(1.0);
        assertThat(config.scoreWeightPurchase()).isEqualTo(1.0);
        assertThat(config.scoreWeightRating()).isEqualTo(1.0);
        assertThat(config.gradientClipNorm()).isEqualTo(1.0);
        assertThat(config.metricsWindow()).isEqualTo(20_000);
        assertThat(config.seed()).isEqualTo(42L);
        assertThat(config.initStd()).isEqualTo(0.1);
        assertThat(config.embeddingTtlMs()).isZero();
        assertThat(config.admissionMinCount()).isEqualTo(1);
        assertThat(config.admissionMaxTracked()).isEqualTo(1_000_000);
        assertThat(config.itemTextDim()).isZero();
        assertThat(config.purchasePrivateFraction()).isEqualTo(0.5);
        assertThat(config.purchasePrivateDims()).isEqualTo(16);
    }

    @Test
    void purchasePrivateValuesAreTheFractionOfARowRoundedDownAndAtMostNineTenths() {
        assertThat(ModelConfig.builder().embeddingDim(5).build().purchasePrivateDims())
                .isEqualTo(2);
        assertThat(
                        ModelConfig.builder()
                                .embeddingDim(1)
                                .purchasePrivateFraction(0.9)
                                .build()
                                .purchasePrivateDims())
                .isZero();
        assertThatThrownBy(() -> ModelConfig.builder().purchasePrivateFraction(0.95))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("purchase.private.fraction must be in [0.0, 0.9], got 0.95");
        assertThatThrownBy(() -> ModelConfig.fromMap(Map.of("purchase.private.fraction", "-0.1")))
                .hasMessage("purchase.private.fraction must be in [0.0, 0.9], got -0.1");
    }

    @Test
    void embeddingLifecycleAndTextParametersRejectValuesOutsideTheirRanges() {
        ModelConfig.Builder builder = ModelConfig.builder();
        assertThatThrownBy(() -> builder.embeddingTtlMs(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("embedding.ttl.ms must be in [0, 316224000000], got -1");
        assertThatThrownBy(() -> builder.embeddingTtlMs(316_224_000_001L))
                .hasMessage("embedding.ttl.ms must be in [0, 316224000000], got 316224000001");
        assertThatThrownBy(() -> builder.admissionMinCount(0))
                .hasMessage("embedding.admission.min.count must be in [1, 1000], got 0");
        assertThatThrownBy(() -> builder.admissionMinCount(1001))
                .hasMessage("embedding.admission.min.count must be in [1, 1000], got 1001");
        assertThatThrownBy(() -> builder.admissionMaxTracked(0))
                .hasMessage("embedding.admission.max.tracked must be in [1, 100000000], got 0");
        assertThatThrownBy(() -> builder.itemTextDim(-1))
                .hasMessage("item.text.dim must be in [0, 4096], got -1");
        assertThatThrownBy(() -> ModelConfig.fromMap(Map.of("item.text.dim", "4097")))
                .hasMessage("item.text.dim must be in [0, 4096], got 4097");
        ModelConfig ok =
                builder.embeddingTtlMs(316_224_000_000L)
                        .admissionMinCount(1000)
                        .itemTextDim(4096)
                        .build();
        assertThat(ok.embeddingTtlMs()).isEqualTo(316_224_000_000L);
    }

    @Test
    void everyParameterHasADistinctDottedNameAndADoc() {
        Set<String> names = new HashSet<>();
        for (Param<?> param : ModelConfig.PARAMS) {
            assertThat(names.add(param.name())).as(param.name()).isTrue();
            assertThat(param.name()).matches("[a-z][a-z0-9]*(\\.[a-z][a-z0-9]*)*");
            assertThat(param.doc()).as(param.name()).isNotBlank();
        }
    }

    @Test
    void badValueIsRejectedWhenSetNamingParameterAndRange() {
        ModelConfig.Builder builder = ModelConfig.builder();
        assertThatThrownBy(() -> builder.embeddingDim(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("embedding.dim must be in [1, 1024], got 0");
        assertThatThrownBy(() -> builder.learningRate(0.0))
                .hasMessage("learning.rate must be in (0.0, 10.0], got 0.0");
        assertThatThrownBy(() -> builder.negativesPerPositive(101))
                .hasMessage("negatives.per.positive must be in [0, 100], got 101");
        assertThatThrownBy(() -> builder.gradientClipNorm(Double.NaN))
                .hasMessage("gradient.clip.norm must be in [0.0, 1000000.0], got NaN");
        assertThatThrownBy(() -> builder.conversionWindowMs(-1))
                .hasMessage("conversion.window.ms must be in [0, 2678400000], got -1");
        assertThatThrownBy(() -> builder.mmoeExperts(0))
                .hasMessage("mmoe.experts must be in [1, 64], got 0");
        assertThatThrownBy(() -> builder.mmoeExperts(65))
                .hasMessage("mmoe.experts must be in [1, 64], got 65");
        assertThatThrownBy(() -> builder.mmoeExpertHidden(0))
                .hasMessage("mmoe.expert.hidden must be in [1, 4096], got 0");
        assertThatThrownBy(() -> builder.set(ModelConfig.ADAM_BETA1, 1.0))
                .hasMessage("adam.beta1 must be in [0.0, 1.0), got 1.0");
        assertThatThrownBy(() -> builder.set(ModelConfig.ADAM_BETA2, -0.1))
                .hasMessage("adam.beta2 must be in [0.0, 1.0), got -0.1");
        assertThatThrownBy(() -> builder.set(ModelConfig.ADAM_EPSILON, 0.0))
                .hasMessage("adam.epsilon must be in (0.0, 1.0], got 0.0");
        assertThatThrownBy(() -> builder.set(ModelConfig.NEGATIVES_POPULARITY_SMOOTHING, 0.0))
                .hasMessage("negatives.popularity.smoothing must be in (0.0, 1000000.0], got 0.0");
        assertThatThrownBy(() -> builder.set(ModelConfig.NEGATIVES_POPULARITY_EXPONENT, 2.5))
                .hasMessage("negatives.popularity.exponent must be in [0.0, 2.0], got 2.5");
        assertThatThrownBy(() -> builder.set(ModelConfig.NEGATIVES_REBUILD_FRACTION, 1.5))
                .hasMessage("negatives.rebuild.fraction must be in [0.0, 1.0], got 1.5");
    }

    @Test
    void badStringValueIsRejectedNamingParameter() {
        assertThatThrownBy(() -> ModelConfig.fromMap(Map.of("optimizer", "rmsprop")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("optimizer must be one of [sgd, adagrad, adam], got 'rmsprop'");
        assertThatThrownBy(() -> ModelConfig.fromMap(Map.of("negatives.sampler", "hard")))
                .hasMessage("negatives.sampler must be one of [uniform, popularity], got 'hard'");
        assertThatThrownBy(() -> ModelConfig.fromMap(Map.of("negatives.logq.correction", "yes")))
                .hasMessage("negatives.logq.correction must be one of [true, false], got 'yes'");
        assertThatThrownBy(() -> ModelConfig.fromMap(Map.of("bottom.hidden", "wide")))
                .hasMessage("bottom.hidden must be in [1, 4096], got 'wide'");
        assertThatThrownBy(() -> ModelConfig.fromMap(Map.of("init.std", "2")))
                .hasMessage("init.std must be in (0.0, 1.0], got 2.0");
        assertThatThrownBy(() -> ModelConfig.fromMap(Map.of("architecture", "towers")))
                .hasMessage("architecture must be one of [shared-bottom, mmoe], got 'towers'");
    }

    @Test
    void architectureParsesItsConfigNamesAndFormatsBack() {
        ModelConfig config =
                ModelConfig.fromMap(
                        Map.of(
                                "architecture", "MMoE",
                                "mmoe.experts", "8",
                                "mmoe.expert.hidden", "16"));
        assertThat(config.architecture()).isEqualTo(Architecture.MMOE);
        assertThat(config.mmoeExperts()).isEqualTo(8);
        assertThat(config.mmoeExpertHidden()).isEqualTo(16);
        assertThat(config.toMap())
                .containsEntry("architecture", "mmoe")
                .containsEntry("mmoe.experts", "8")
                .containsEntry("mmoe.expert.hidden", "16");
        assertThat(ModelConfig.defaults().toMap()).containsEntry("architecture", "shared-bottom");
        assertThat(ModelConfig.fromMap(config.toMap())).isEqualTo(config);
    }

    @Test
    void lossSettingsAreRejectedNamingParameterAndAllowedValues() {
        ModelConfig.Builder builder = ModelConfig.builder();
        assertThatThrownBy(() -> builder.ratingHuberDelta(0.0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rating.huber.delta must be in (0.0, 100.0], got 0.0");
        assertThatThrownBy(() -> builder.ratingHuberDelta(100.5))
                .hasMessage("rating.huber.delta must be in (0.0, 100.0], got 100.5");
        assertThatThrownBy(() -> ModelConfig.fromMap(Map.of("purchase.training", "ctcvr")))
                .hasMessage("purchase.training must be one of [esmm, click-space], got 'ctcvr'");
        assertThatThrownBy(() -> ModelConfig.fromMap(Map.of("task.weighting", "gradnorm")))
                .hasMessage("task.weighting must be one of [static, uncertainty], got 'gradnorm'");
        assertThatThrownBy(() -> ModelConfig.fromMap(Map.of("rating.loss", "mae")))
                .hasMessage("rating.loss must be one of [mse, huber], got 'mae'");
    }

    @Test
    void lossSettingsParseFromTheirConfigNames() {
        ModelConfig config =
                ModelConfig.fromMap(
                        Map.of(
                                "purchase.training", "click-space",
                                "task.weighting", "Uncertainty",
                                "rating.loss", "huber",
                                "rating.huber.delta", "0.5"));
        assertThat(config.purchaseTraining()).isEqualTo(PurchaseTraining.CLICK_SPACE);
        assertThat(config.taskWeighting()).isEqualTo(TaskWeighting.UNCERTAINTY);
        assertThat(config.ratingLoss()).isEqualTo(RatingLoss.HUBER);
        assertThat(config.ratingHuberDelta()).isEqualTo(0.5);
        assertThat(config.toMap())
                .containsEntry("purchase.training", "click-space")
                .containsEntry("task.weighting", "uncertainty")
                .containsEntry("rating.loss", "huber");
    }

    @Test
    void unknownKeyIsRejectedNamingIt() {
        assertThatThrownBy(() -> ModelConfig.fromMap(Map.of("embedding.size", "16")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("unknown model parameter 'embedding.size'");
    }

    @Test
    void ratingScaleMustBeIncreasing() {
        assertThatThrownBy(() -> ModelConfig.builder().ratingScale(5, 1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "rating.min must be less than rating.max, got rating.min=5.0,"
                                + " rating.max=1.0");
    }

    @Test
    void fromMapParsesAndToMapIsItsInverse() {
        Map<String, String> map = new LinkedHashMap<>();
        map.put("embedding.dim", "16");
        map.put("optimizer", "SGD");
        map.put("learning.rate", "0.125");
        map.put("seed", "-7");
        map.put("score.weight.rating", "0.3");
        ModelConfig config = ModelConfig.fromMap(map);
        assertThat(config.embeddingDim()).isEqualTo(16);
        assertThat(config.optimizer()).isEqualTo(OptimizerKind.SGD);
        assertThat(config.learningRate()).isEqualTo(0.125);
        assertThat(config.seed()).isEqualTo(-7L);
        assertThat(config.scoreWeightRating()).isEqualTo(0.3);
        assertThat(config.bottomHidden()).isEqualTo(64);

        Map<String, String> all = config.toMap();
        assertThat(all.keySet())
                .containsExactlyElementsOf(ModelConfig.PARAMS.stream().map(Param::name).toList());
        assertThat(all).containsEntry("optimizer", "sgd").containsEntry("seed", "-7");
        assertThat(ModelConfig.fromMap(all)).isEqualTo(config);
    }

    @Test
    void toBuilderKeepsValuesAndConfigIsImmutable() {
        ModelConfig base = ModelConfig.builder().embeddingDim(8).build();
        ModelConfig changed = base.toBuilder().bottomHidden(16).build();
        assertThat(base.bottomHidden()).isEqualTo(64);
        assertThat(changed.embeddingDim()).isEqualTo(8);
        assertThat(changed.bottomHidden()).isEqualTo(16);
        assertThatThrownBy(() -> base.toMap().put("seed", "1"))
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
