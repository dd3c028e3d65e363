package io.mtrec.model.config;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ComputeSettingsTest {

    @Test
    void defaultsAreAutoBackendAndDeviceZero() {
        ComputeSettings settings = ComputeSettings.defaults();
        assertThat(settings.backend()).isEqualTo(ComputeBackend.AUTO);
        assertThat(settings.device()).isZero();
        assertThat(ComputeSettings.fromMap(Map.of())).isEqualTo(settings);
    }

    @Test
    void everySettingHasAComputeNameAndADoc() {
        assertThat(ComputeSettings.PARAMS)
                .extracting(Param::name)
                .containsExactly("compute.backend", "compute.device");
        assertThat(ComputeSettings.PARAMS).allSatisfy(p -> assertThat(p.doc()).isNotBlank());
    }

    @Test
    void modelConfigHoldsNoComputeSettingSoSnapshotsLoadOnEitherBackend() {
        assertThat(ModelConfig.PARAMS)
                .extracting(Param::name)
                .noneMatch(name -> name.startsWith("compute.") || name.equals("backend"));
    }

    @Test
    void parsesBackendNamesIgnoringCaseAndRoundTripsThroughItsMap() {
        ComputeSettings settings =
                ComputeSettings.fromMap(Map.of("compute.backend", "CUDA", "compute.device", "3"));
        assertThat(settings).isEqualTo(ComputeSettings.of(ComputeBackend.CUDA, 3));
        assertThat(settings.toMap())
                .containsExactly(
                        Map.entry("compute.backend", "cuda"), Map.entry("compute.device", "3"));
        assertThat(ComputeSettings.fromMap(settings.toMap())).isEqualTo(settings);
    }

    @Test
    void unknownBackendIsRejectedNamingTheSetting() {
        assertThatThrownBy(() -> ComputeSettings.fromMap(Map.of("compute.backend", "rocm")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("compute.backend must be one of [cpu, cuda, auto], got 'rocm'");
    }

    @Test
    void deviceOutsideZeroToFifteenIsRejectedNamingTheSetting() {
        assertThatThrownBy(() -> ComputeSettings.of(ComputeBackend.CUDA, 16))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("compute.device must be in [0, 15], got 16");
        assertThatThrownBy(() -> ComputeSettings.fromMap(Map.of("compute.device", "-1")))
                .hasMessage("compute.device must be in [0, 15], got -1");
    }

    @Test
    void unknownKeyIsRejectedNamingIt() {
        assertThatThrownBy(() -> ComputeSettings.fromMap(Map.of("compute.gpu", "1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "unknown compute setting 'compute.gpu'; known settings: [compute.backend,"
                                + " compute.device]");
    }
}
