package io.mtrec.model.config;

import java.util.Locale;

/** How the per-task losses are weighted in the summed loss. */
public enum TaskWeighting {
    /** The fixed weights {@code loss.weight.*}. */
    STATIC,
    /**
     * Learned homoscedastic uncertainty (Kendall et al., CVPR 2018): a log-variance per task, times
     * the fixed weights.
     */
    UNCERTAINTY;

    /** The name used in configs: lower case, words joined by '-'. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses a config name, ignoring case. */
    public static TaskWeighting fromConfigName(String name) {
        for (TaskWeighting value : values()) {
            if (value.configName().equalsIgnoreCase(name)) {
                return value;
            }
        }
        throw new IllegalArgumentException("unknown task weighting '" + name + "'");
    }

    @Override
    public String toString() {
        return configName();
    }
}
