package io.mtrec.model.config;

import java.util.Locale;

/** How the purchase head is trained. */
public enum PurchaseTraining {
    /**
     * ESMM (Ma et al., SIGIR 2018): BCE of pCTCVR = pCTR * pCVR against (clicked and purchased)
     * over every impression, so pCVR is learned on the space it is served on.
     */
    ESMM,
    /** BCE of pCVR against (purchased) over resolved clicks only. */
    CLICK_SPACE;

    /** The name used in configs: lower case, words joined by '-'. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses a config name, ignoring case. */
    public static PurchaseTraining fromConfigName(String name) {
        for (PurchaseTraining value : values()) {
            if (value.configName().equalsIgnoreCase(name)) {
                return value;
            }
        }
        throw new IllegalArgumentException("unknown purchase training '" + name + "'");
    }

    @Override
    public String toString() {
        return configName();
    }
}
