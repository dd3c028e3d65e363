package io.mtrec.model.compute;

import io.mtrec.model.config.ComputeBackend;
import io.mtrec.model.config.ComputeSettings;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.factory.Nd4jBackend;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * The ND4J backend and device a learner computes on, checked and pinned when the learner is
 * created.
 *
 * <p>The backend is whatever ND4J loaded from the classpath, so it is fixed by the Maven profile
 * the job jar was built with ({@code cpu} by default, {@code -Pcuda}); {@code compute.backend} only
 * states what the job expects, and {@link #select} fails fast when the two disagree instead of
 * letting a GPU job train silently on a CPU. The model code is the same on both backends.
 *
 * <p>The CUDA device is a per-thread setting (ND4J 1.0.0-M2.1 reads it with {@code cudaGetDevice},
 * and a thread nobody pinned computes on device 0), so {@link #select} must run on the thread that
 * will train: in Flink, the task thread that creates the learner and later calls it.
 */
public record ComputeDevice(ComputeBackend backend, int index) {

    private static final String CPU_BACKEND_CLASS = "org.nd4j.linalg.cpu.nativecpu.CpuBackend";
    private static final String CUDA_BACKEND_CLASS = "org.nd4j.linalg.jcublas.JCublasBackend";

    public ComputeDevice {
        Objects.requireNonNull(backend, "backend");
        if (backend == ComputeBackend.AUTO) {
            throw new IllegalArgumentException("a device has a concrete backend, not auto");
        }
        if (index < 0) {
            throw new IllegalArgumentException("device index must be >= 0, got " + index);
        }
    }

    /** Checks the settings against the loaded backend and pins this thread to the device. */
    public static ComputeDevice select(ComputeSettings settings) {
        return select(settings, OptionalInt.empty());
    }

    /**
     * Checks the settings against the loaded ND4J backend, pins the calling thread to the chosen
     * device and returns it.
     *
     * @param assignedGpu the GPU the cluster gave this worker (Flink's GPU external resource); on
     *     CUDA it takes the place of {@code compute.device}, on the CPU backend it is ignored
     * @throws IllegalArgumentException naming {@code compute.backend} or {@code compute.device}
     *     when the classpath or the machine cannot honour them
     */
    public static ComputeDevice select(ComputeSettings settings, OptionalInt assignedGpu) {
        ComputeBackend loaded = loadedBackend();
        ComputeDevice device =
                resolve(
                        settings,
                        assignedGpu,
                        loaded,
                        Nd4j.getBackend().getClass().getName(),
                        Nd4j.getAffinityManager().getNumberOfDevices());
        Nd4j.getAffinityManager().unsafeSetDevice(device.index());
        int pinned = Nd4j.getAffinityManager().getDeviceForCurrentThread();
        if (pinned != device.index()) {
            throw new IllegalStateException(
                    "ND4J was asked to use device "
                            + device.index()
                            + " but reports device "
                            + pinned
                            + " for this thread");
        }
        return device;
    }

    /** The backend and the device ND4J uses for the calling thread now. */
    public static ComputeDevice current() {
        return new ComputeDevice(
                loadedBackend(), Nd4j.getAffinityManager().getDeviceForCurrentThread());
    }

    /**
     * The backend ND4J loaded from the classpath; the first call initialises ND4J (seconds).
     *
     * @throws IllegalStateException for a backend other than nd4j-native and nd4j-cuda
     */
    public static ComputeBackend loadedBackend() {
        return backendOf(Nd4j.getBackend());
    }

    private static ComputeBackend backendOf(Nd4jBackend backend) {
        String name = backend.getClass().getName();
        return switch (name) {
            case CPU_BACKEND_CLASS -> ComputeBackend.CPU;
            case CUDA_BACKEND_CLASS -> ComputeBackend.CUDA;
            default -> throw new IllegalStateException("unsupported ND4J backend " + name);
        };
    }

    /**
     * The decision {@link #select} makes, apart from ND4J so that it can be specified for a backend
     * the test machine does not have.
     */
    static ComputeDevice resolve(
            ComputeSettings settings,
            OptionalInt assignedGpu,
            ComputeBackend loaded,
            String loadedClass,
            int deviceCount) {
        ComputeBackend wanted = settings.backend();
        if (wanted != ComputeBackend.AUTO && wanted != loaded) {
            throw new IllegalArgumentException(
                    ComputeSettings.BACKEND.name()
                            + " is "
                            + wanted
                            + " but the ND4J backend on the classpath is "
                            + loaded
                            + " ("
                            + loadedClass
                            + "); "
                            + (wanted == ComputeBackend.CUDA
                                    ? "build the job with the Maven profile -Pcuda (nd4j-cuda-11.6)"
                                    : "build the job without -Pcuda (the default cpu profile,"
                                            + " nd4j-native)")
                            + ", or set "
                            + ComputeSettings.BACKEND.name()
                            + " to "
                            + loaded
                            + " or auto");
        }
        if (loaded == ComputeBackend.CPU) {
            if (settings.device() != 0) {
                throw new IllegalArgumentException(
                        ComputeSettings.DEVICE.name()
                                + " is "
                                + settings.device()
                                + " but the cpu backend has only device 0; set "
                                + ComputeSettings.DEVICE.name()
                                + " to 0, or run a -Pcuda build on a GPU machine");
            }
            return new ComputeDevice(ComputeBackend.CPU, 0);
        }
        if (assignedGpu.isPresent()) {
            int index = assignedGpu.getAsInt();
            if (index < 0 || index >= deviceCount) {
                throw new IllegalArgumentException(
                        "the GPU Flink assigned (index "
                                + index
                                + ") is not among the "
                                + deviceCount
                                + " devices CUDA sees; Flink's GPU discovery reports physical"
                                + " indices, so do not set CUDA_VISIBLE_DEVICES on GPU task"
                                + " managers");
            }
            return new ComputeDevice(loaded, index);
        }
        if (settings.device() >= deviceCount) {
            throw new IllegalArgumentException(
                    ComputeSettings.DEVICE.name()
                            + " is "
                            + settings.device()
                            + " but CUDA sees "
                            + deviceCount
                            + " device(s), 0 to "
                            + (deviceCount - 1));
        }
        return new ComputeDevice(loaded, settings.device());
    }

    /** {@code cpu:0}, {@code cuda:1}: for logs and metrics. */
    @Override
    public String toString() {
        return backend.configName() + ":" + index;
    }
}
