package io.mtrec.model.optim;

/**
 * Global-norm gradient clipping (Pascanu et al. 2013): when the L2 norm of all gradients of a step
 * together exceeds the threshold, every gradient is scaled by the same factor so the norm equals
 * it. Direction is kept; only the step length is bounded.
 */
public final class GlobalNormClipping {
    private GlobalNormClipping() {}

    /**
     * The factor to multiply every gradient by: {@code clipNorm / norm} when {@code clipNorm > 0}
     * and {@code norm > clipNorm}, else 1.
     */
    public static float scale(double norm, double clipNorm) {
        if (clipNorm > 0 && norm > clipNorm) {
            return (float) (clipNorm / norm);
        }
        return 1f;
    }
}
