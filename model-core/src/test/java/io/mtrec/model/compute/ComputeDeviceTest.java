package io.mtrec.model.compute;

import io.mtrec.model.config.ComputeBackend;
import io.mtrec.model.config.ComputeSettings;

import org.junit.jupiter.api.Test;

import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The test classpath has the default build's backend, nd4j-native: these run ND4J for real on the
 * CPU. The CUDA branches of the decision are specified through {@code resolve}, which takes the
 * loaded backend and device count as arguments.
 */
class ComputeDeviceTest {
    private static final String CUDA_CLASS = "org.nd4j.linalg.jcublas.JCublasBackend";

    @Test
    void loadedBackendOfTheDefaultBuildIsCpu() {
        assertThat(ComputeDevice.loadedBackend()).isEqualTo(ComputeBackend.CPU);
    }

    @Test
    void autoOnTheCpuClasspathSelectsCpuDeviceZeroAndPinsIt() {
        ComputeDevice device = ComputeDevice.select(ComputeSettings.defaults());
        assertThat(device).isEqualTo(new ComputeDevice(ComputeBackend.CPU, 0));
        assertThat(ComputeDevice.current()).isEqualTo(device);
        assertThat(device).hasToString("cpu:0");
    }

    @Test
    void cpuBackendWithDeviceZeroIsAccepted() {
        ComputeDevice device = ComputeDevice.select(ComputeSettings.of(ComputeBackend.CPU, 0));
        assertThat(device.backend()).isEqualTo(ComputeBackend.CPU);
        assertThat(device.index()).isZero();
    }

    @Test
    void cudaOnTheCpuClasspathFailsNamingTheSettingTheClasspathAndTheProfile() {
        assertThatThrownBy(() -> ComputeDevice.select(ComputeSettings.of(ComputeBackend.CUDA, 0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "compute.backend is cuda but the ND4J backend on the classpath is cpu"
                                + " (org.nd4j.linalg.cpu.nativecpu.CpuBackend); build the job with"
                                + " the Maven profile -Pcuda (nd4j-cuda-11.6), or set"
                                + " compute.backend to cpu or auto");
    }

    @Test
    void deviceOneOnTheCpuBackendIsRejectedNamingTheSetting() {
        assertThatThrownBy(() -> ComputeDevice.select(ComputeSettings.of(ComputeBackend.AUTO, 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "compute.device is 1 but the cpu backend has only device 0; set"
                                + " compute.device to 0, or run a -Pcuda build on a GPU machine");
    }

    @Test
    void assignedGpuIsIgnoredOnTheCpuBackend() {
        ComputeDevice device = ComputeDevice.select(ComputeSettings.defaults(), OptionalInt.of(3));
        assertThat(device).isEqualTo(new ComputeDevice(ComputeBackend.CPU, 0));
    }

    @Test
    void cpuOnTheCudaClasspathFailsNamingTheDefaultProfile() {
        assertThatThrownBy(
                        () ->
                                ComputeDevice.resolve(
                                        ComputeSettings.of(ComputeBackend.CPU, 0),
                                        OptionalInt.empty(),
                                        ComputeBackend.CUDA,
                                        CUDA_CLASS,
                                        2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "compute.backend is cpu but the ND4J backend on the classpath is cuda"
                                + " (org.nd4j.linalg.jcublas.JCublasBackend); build the job"
                                + " without -Pcuda (the default cpu profile, nd4j-native), or set"
                                + " compute.backend to cuda or auto");
    }

    @Test
    void onCudaTheConfiguredDeviceIsUsedWhenNoGpuIsAssigned() {
        ComputeDevice device =
                ComputeDevice.resolve(
                        ComputeSettings.of(ComputeBackend.CUDA, 1),
                        OptionalInt.empty(),
                        ComputeBackend.CUDA,
                        CUDA_CLASS,
                        2);
        assertThat(device).isEqualTo(new ComputeDevice(ComputeBackend.CUDA, 1));
    }

    @Test
    void onCudaTheAssignedGpuTakesThePlaceOfTheConfiguredDevice() {
        ComputeDevice device =
                ComputeDevice.resolve(
                        ComputeSettings.of(ComputeBackend.AUTO, 0),
                        OptionalInt.of(3),
                        ComputeBackend.CUDA,
                        CUDA_CLASS,
                        4);
        assertThat(device).isEqualTo(new ComputeDevice(ComputeBackend.CUDA, 3));
    }

    @Test
    void onCudaADeviceBeyondThoseVisibleIsRejectedNamingTheSetting() {
        assertThatThrownBy(
                        () ->
                                ComputeDevice.resolve(
                                        ComputeSettings.of(ComputeBackend.CUDA, 2),
                                        OptionalInt.empty(),
                                        ComputeBackend.CUDA,
                                        CUDA_CLASS,
                                        2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("compute.device is 2 but CUDA sees 2 device(s), 0 to 1");
    }

    @Test
    void onCudaAnAssignedGpuBeyondThoseVisibleIsRejectedPointingAtCudaVisibleDevices() {
        assertThatThrownBy(
                        () ->
                                ComputeDevice.resolve(
                                        ComputeSettings.defaults(),
                                        OptionalInt.of(5),
                                        ComputeBackend.CUDA,
                                        CUDA_CLASS,
                                        1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the GPU Flink assigned (index 5) is not among the 1 devices")
                .hasMessageContaining("CUDA_VISIBLE_DEVICES");
    }
}
