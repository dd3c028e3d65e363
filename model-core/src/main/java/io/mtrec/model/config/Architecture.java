package io.mtrec.model.config;

/** What the task heads read: the shared bottom's output, or a per-task mixture of experts. */
public enum Architecture {
    /** Every head reads the shared bottom's output {@code h} (plain task towers). */
    SHARED_BOTTOM("shared-bottom"),
    /**
     * Multi-gate mixture of experts (Ma et al., KDD 2018): ReLU experts over {@code h}, and each
     * head reads its own softmax-gated mixture of them.
     */
    MMOE("mmoe");

    private final String configName;

    Architecture(String configName) {
        this.configName = configName;
    }

    /** The name used in configs. */
    public String configName() {
        return configName;
    }

    /** Parses a config name, ignoring case. */
    public static Architecture fromConfigName(String name) {
        for (Architecture architecture : values()) {
            if (architecture.configName.equalsIgnoreCase(name)) {
                return architecture;
            }
        }
        throw new IllegalArgumentException("unknown architecture '" + name + "'");
    }

    @Override
    public String toString() {
        return configName;
    }
}
