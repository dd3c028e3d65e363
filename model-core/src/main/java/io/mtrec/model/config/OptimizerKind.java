package io.mtrec.model.config;

import java.util.Locale;

/** Which update rule trains the parameters. */
public enum OptimizerKind {
    /** Plain stochastic gradient descent. */
    SGD,
    /** Adagrad: per-coordinate step sizes from accumulated squared gradients (Duchi et al.). */
    ADAGRAD,
    /** Adam: bias-corrected moving averages of the gradient and its square (Kingma and Ba). */
    ADAM;

    /** The name used in configs: lower case. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a config name, ignoring case. */
    public static OptimizerKind fromConfigName(String name) {
        for (OptimizerKind kind : values()) {
            if (kind.configName().equalsIgnoreCase(name)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown optimizer '" + name + "'");
    }

    @Override
    public String toString() {
        return configName();
    }
}
