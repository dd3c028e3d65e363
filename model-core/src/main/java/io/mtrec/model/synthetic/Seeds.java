package io.mtrec.model.synthetic;

import java.util.SplittableRandom;

/**
 * Independent random streams for the parts of the generator, all split from the one config seed, so
 * adding draws to one part never shifts another.
 */
final class Seeds {
    /** Latent factors and biases. */
    static final int TRUTH = 0;

    /** Text-embedding projection and noise. */
    static final int TEXT = 1;

    /** The event stream: who sees what, and what they do. */
    static final int STREAM = 2;

    private Seeds() {}

    static SplittableRandom component(long seed, int component) {
        SplittableRandom root = new SplittableRandom(seed);
        SplittableRandom split = root.split();
        for (int k = 0; k < component; k++) {
            split = root.split();
        }
        return split;
    }
}
