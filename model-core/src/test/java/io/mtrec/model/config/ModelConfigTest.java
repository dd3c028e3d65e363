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
        assertThat(config.optimizer()).isEqualTo(OptimizerKind.ADAGRAD);
        assertThat(config.learningRate()).isEqualTo(0.2);
        assertThat(config.adagradInitialAccumulator()).isEqualTo(0.1);
        assertThat(config.adagradEpsilon()).isEqualTo(1e-8);
        assertThat(config.negativesPerPositive()).isEqualTo(1);
        assertThat(config.negativesWeight()).isEqualTo(0.1);
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
    }

    @Test
    void everyParameterHasADistinctDottedNameAndADoc() {
        Set<String> names = new HashSet<>();
        for (Param<?> param : ModelConfig.PARAMS) {
            assertThat(names.add(param.name())).as(param.name()).isTrue();
            assertThat(param.name()).matches("[a-z]+(\\.[a-z]+)*");
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
    }

    @Test
    void badStringValueIsRejectedNamingParameter() {
        assertThatThrownBy(() -> ModelConfig.fromMap(Map.of("optimizer", "adam")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("optimizer must be one of [sgd, adagrad], got 'adam'");
        assertThatThrownBy(() -> ModelConfig.fromMap(Map.of("bottom.hidden", "wide")))
                .hasMessage("bottom.hidden must be in [1, 4096], got 'wide'");
        assertThatThrownBy(() -> ModelConfig.fromMap(Map.of("init.std", "2")))
                .hasMessage("init.std must be in (0.0, 1.0], got 2.0");
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
