package io.mtrec.model.synthetic;

import io.mtrec.model.synthetic.SyntheticConfig.Param;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SyntheticConfigTest {

    @Test
    void defaultsAreTheFrozenValues() {
        SyntheticConfig c = SyntheticConfig.defaults();
        assertThat(c.users()).isEqualTo(1000);
        assertThat(c.items()).isEqualTo(500);
        assertThat(c.latentDim()).isEqualTo(4);
        assertThat(c.seed()).isEqualTo(42L);
        assertThat(c.zipfExponent()).isEqualTo(1.0);
        assertThat(c.userZipfExponent()).isEqualTo(0.0);
        assertThat(c.clickBias()).isEqualTo(-1.7);
        assertThat(c.clickStrength()).isEqualTo(1.4);
        assertThat(c.clickItemBiasStd()).isEqualTo(0.5);
        assertThat(c.purchaseBias()).isEqualTo(-3.0);
        assertThat(c.purchaseStrength()).isEqualTo(1.5);
        assertThat(c.purchaseSharedWeight()).isEqualTo(0.7);
        assertThat(c.purchaseItemBiasStd()).isEqualTo(0.5);
        assertThat(c.ratingBias()).isEqualTo(0.3);
        assertThat(c.ratingStrength()).isEqualTo(0.8);
        assertThat(c.ratingItemBiasStd()).isEqualTo(0.3);
        assertThat(c.ratingNoise()).isEqualTo(0.5);
        assertThat(c.ratingProbability()).isEqualTo(0.3);
        assertThat(c.ratingMin()).isEqualTo(1.0);
        assertThat(c.ratingMax()).isEqualTo(5.0);
        assertThat(c.purchaseDelayMaxMs()).isEqualTo(60_000L);
        assertThat(c.ratingDelayMaxMs()).isEqualTo(5_000L);
        assertThat(c.eventGapMs()).isEqualTo(10L);
        assertThat(c.startTime()).isEqualTo(1_767_225_600_000L); // 2026-01-01T00:00:00Z
        assertThat(c.textEmbeddingDim()).isEqualTo(16);
        assertThat(c.textEmbeddingNoise()).isEqualTo(0.1);
    }

    @ParameterizedTest
    @EnumSource(Param.class)
    void everyParameterHasDocAndDefaultInsideItsRange(Param p) {
        assertThat(p.doc()).isNotBlank();
        assertThat(p.key()).matches("[a-z]+(-[a-z]+)*");
        assertThat(p.defaultValue().doubleValue())
                .isBetween(p.min().doubleValue(), p.max().doubleValue());
        assertThat(SyntheticConfig.defaults().toMap()).containsKey(p.key());
    }

    @ParameterizedTest
    @EnumSource(
            value = Param.class,
            names = {"SEED"},
            mode = EnumSource.Mode.EXCLUDE)
    void valueBelowRangeIsRejectedWithParameterNameAndRange(Param p) {
        String below =
                p.type() == SyntheticConfig.Type.DOUBLE
                        ? Double.toString(p.min().doubleValue() - 1.0)
                        : Long.toString(p.min().longValue() - 1);
        assertThatThrownBy(() -> SyntheticConfig.builder().set(p.key(), below))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        p.key() + " must be in [" + p.min() + ", " + p.max() + "], got " + below);
    }

    @Test
    void typedSetterRejectsBadValueWhenSet() {
        SyntheticConfig.Builder b = SyntheticConfig.builder();
        assertThatThrownBy(() -> b.users(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("users must be in [1, 50000000], got 0");
        assertThatThrownBy(() -> b.ratingProbability(1.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rating-probability must be in [0.0, 1.0], got 1.5");
    }

    @Test
    void nanIsRejected() {
        assertThatThrownBy(() -> SyntheticConfig.builder().zipfExponent(Double.NaN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("zipf-exponent must be in [0.0, 10.0]");
    }

    @Test
    void ratingMinNotBelowRatingMaxIsRejectedOnBuild() {
        SyntheticConfig.Builder b = SyntheticConfig.builder().ratingMin(5.0).ratingMax(5.0);
        assertThatThrownBy(b::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "rating-min must be below rating-max, got rating-min=5.0 and rating-max=5.0");
    }

    @Test
    void factorTableLargerThanOneArrayIsRejectedOnBuild() {
        SyntheticConfig.Builder b = SyntheticConfig.builder().users(50_000_000).latentDim(64);
        assertThatThrownBy(b::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("users x latent-dim must be at most 2147483639");
    }

    @Test
    void toMapReadsBackThroughFromMap() {
        SyntheticConfig c =
                SyntheticConfig.builder()
                        .seed(-7)
                        .users(12)
                        .clickBias(-0.1)
                        .ratingNoise(0.123456789)
                        .build();
        assertThat(SyntheticConfig.fromMap(c.toMap())).isEqualTo(c);
    }

    @Test
    void fromMapKeepsDefaultsForAbsentKeys() {
        SyntheticConfig c = SyntheticConfig.fromMap(Map.of("items", "7", "zipf-exponent", "1.5"));
        assertThat(c.items()).isEqualTo(7);
        assertThat(c.zipfExponent()).isEqualTo(1.5);
        assertThat(c.toBuilder().items(500).zipfExponent(1.0).build())
                .isEqualTo(SyntheticConfig.defaults());
    }

    @Test
    void fromMapRejectsUnknownKey() {
        assertThatThrownBy(() -> SyntheticConfig.fromMap(Map.of("latentDim", "8")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("unknown synthetic parameter 'latentDim'; known: users,");
    }

    @Test
    void fromMapRejectsUnparsableValueNamingTheParameter() {
        Map<String, String> map = new HashMap<>();
        map.put("users", "many");
        assertThatThrownBy(() -> SyntheticConfig.fromMap(map))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("users must be an integer in [1, 50000000], got 'many'");
    }
}
