package io.mtrec.model.config;

import java.util.Locale;

/** Which ND4J backend the learner must compute on. */
public enum ComputeBackend {
    /** nd4j-native with OpenBLAS: the default Maven build. */
    CPU,
    /** nd4j-cuda-11.6: the build with {@code -Pcuda}. */
    CUDA,
    /** Whichever backend is on the classpath. */
    AUTO;

    /** The name used in configs: lower case. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a config name, ignoring case. */
    public static ComputeBackend fromConfigName(String name) {
        for (ComputeBackend backend : values()) {
            if (backend.configName().equalsIgnoreCase(name)) {
                return backend;
            }
        }
        throw new IllegalArgumentException("unknown compute backend '" + name + "'");
    }

    @Override
    public String toString() {
        return configName();
    }
}
