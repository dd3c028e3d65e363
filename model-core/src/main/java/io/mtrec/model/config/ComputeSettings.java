package io.mtrec.model.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static io.mtrec.model.config.ParamValidators.inRange;

/**
 * Where the learner computes: the ND4J backend and the device index. Runtime settings, declared
 * with the same {@link Param} machinery as {@link ModelConfig} but kept out of it on purpose: a
 * snapshot stores its {@code ModelConfig}, and a model trained on a GPU must load on a CPU (and the
 * other way round) with the same meaning.
 */
public final class ComputeSettings {

    public static final Param<ComputeBackend> BACKEND =
            new Param<>(
                    "compute.backend",
                    ComputeBackend.class,
                    ComputeBackend.AUTO,
                    ParamValidators.oneOf(ComputeBackend.values()),
                    "ND4J backend the trainer must run on: cpu, cuda, or auto (whichever is on the"
                            + " classpath).",
                    ComputeBackend::fromConfigName,
                    ComputeBackend::configName);
    public static final Param<Integer> DEVICE =
            Param.ofInt(
                    "compute.device",
                    0,
                    inRange(0, 15),
                    "GPU index ND4J is pinned to when no GPU is assigned by Flink; the CPU backend"
                            + " has only device 0.");

    /** All settings in documentation order. */
    public static final List<Param<?>> PARAMS = List.of(BACKEND, DEVICE);

    private final ComputeBackend backend;
    private final int device;

    private ComputeSettings(ComputeBackend backend, int device) {
        this.backend = BACKEND.validate(backend);
        this.device = DEVICE.validate(device);
    }

    /** Backend {@code auto}, device 0. */
    public static ComputeSettings defaults() {
        return new ComputeSettings(BACKEND.defaultValue(), DEVICE.defaultValue());
    }

    /**
     * @throws IllegalArgumentException naming the setting, if a value is not allowed
     */
    public static ComputeSettings of(ComputeBackend backend, int device) {
        return new ComputeSettings(backend, device);
    }

    /**
     * Builds settings from string values keyed by their full names ({@code compute.backend}, {@code
     * compute.device}); missing ones keep their defaults, unknown ones are rejected.
     */
    public static ComputeSettings fromMap(Map<String, String> map) {
        ComputeBackend backend = BACKEND.defaultValue();
        int device = DEVICE.defaultValue();
        for (Map.Entry<String, String> entry : map.entrySet()) {
            if (entry.getKey().equals(BACKEND.name())) {
                backend = BACKEND.parse(entry.getValue());
            } else if (entry.getKey().equals(DEVICE.name())) {
                device = DEVICE.parse(entry.getValue());
            } else {
                throw new IllegalArgumentException(
                        "unknown compute setting '"
                                + entry.getKey()
                                + "'; known settings: "
                                + PARAMS);
            }
        }
        return new ComputeSettings(backend, device);
    }

    /** Both settings as strings; {@code fromMap(toMap())} equals this. */
    public Map<String, String> toMap() {
        Map<String, String> map = new LinkedHashMap<>();
        map.put(BACKEND.name(), BACKEND.format(backend));
        map.put(DEVICE.name(), DEVICE.format(device));
        return Collections.unmodifiableMap(map);
    }

    public ComputeBackend backend() {
        return backend;
    }

    public int device() {
        return device;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ComputeSettings other
                && backend == other.backend
                && device == other.device;
    }

    @Override
    public int hashCode() {
        return Objects.hash(backend, device);
    }

    @Override
    public String toString() {
        return "ComputeSettings" + toMap();
    }
}
