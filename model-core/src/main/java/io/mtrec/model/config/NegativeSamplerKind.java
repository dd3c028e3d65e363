package io.mtrec.model.config;

import java.util.Locale;

/** How sampled click negatives are drawn from the item table. */
public enum NegativeSamplerKind {
    /** Every item other than the clicked one equally likely. */
    UNIFORM,
    /** Proportional to (clicks + smoothing)^exponent, Vose alias table updated online. */
    POPULARITY;

    /** The name used in configs: lower case. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a config name, ignoring case. */
    public static NegativeSamplerKind fromConfigName(String name) {
        for (NegativeSamplerKind kind : values()) {
            if (kind.configName().equalsIgnoreCase(name)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown negative sampler '" + name + "'");
    }

    @Override
    public String toString() {
        return configName();
    }
}
