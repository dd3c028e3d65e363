package io.mtrec.flink.config;

import io.mtrec.model.config.ComputeBackend;
import io.mtrec.model.config.ComputeSettings;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JobConfigComputeTest {
    private static final String BROKERS = "localhost:9092";

    @Test
    void computeSettingsDefaultToAutoBackendAndDeviceZero() {
        JobConfig config = JobConfig.fromMap(Map.of("bootstrap.servers", BROKERS));
        assertThat(config.compute()).isEqualTo(ComputeSettings.defaults());
        assertThat(JobConfig.COMPUTE_BACKEND.flag()).isEqualTo("--compute-backend");
    }

    @Test
    void computeSettingsAreReadFromTheJobConfig() {
        JobConfig config =
                JobConfig.fromMap(
                        Map.of(
                                "bootstrap.servers",
                                BROKERS,
                                "compute.backend",
                                "cuda",
                                "compute.device",
                                "2"));
        assertThat(config.compute()).isEqualTo(ComputeSettings.of(ComputeBackend.CUDA, 2));
    }

    @Test
    void deviceOutOfRangeIsRejectedAtStartUpNamingTheSetting() {
        assertThatThrownBy(
                        () ->
                                JobConfig.fromMap(
                                        Map.of(
                                                "bootstrap.servers",
                                                BROKERS,
                                                "compute.device",
                                                "16")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("setting 'compute.device' must be in [0, 15], got '16'");
    }

    @Test
    void unknownBackendIsRejectedAtStartUpNamingTheSetting() {
        assertThatThrownBy(
                        () ->
                                JobConfig.fromMap(
                                        Map.of(
                                                "bootstrap.servers",
                                                BROKERS,
                                                "compute.backend",
                                                "tpu")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "setting 'compute.backend' must be one of [cpu, cuda, auto], got 'tpu'");
    }
}
