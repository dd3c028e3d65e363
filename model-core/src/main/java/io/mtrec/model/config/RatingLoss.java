package io.mtrec.model.config;

import java.util.Locale;

/** Loss of the rating head. */
public enum RatingLoss {
    /** Squared error. */
    MSE,
    /** Squared error inside rating.huber.delta, linear beyond it. */
    HUBER;

    /** The name used in configs: lower case, words joined by '-'. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses a config name, ignoring case. */
    public static RatingLoss fromConfigName(String name) {
        for (RatingLoss value : values()) {
            if (value.configName().equalsIgnoreCase(name)) {
                return value;
            }
        }
        throw new IllegalArgumentException("unknown rating loss '" + name + "'");
    }

    @Override
    public String toString() {
        return configName();
    }
}
