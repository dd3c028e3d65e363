package io.mtrec.model.tasks;

import io.mtrec.model.optim.DenseParam;
import io.mtrec.model.optim.Optimizer;

/**
 * Learned task weights from homoscedastic uncertainty (Kendall, Gal and Cipolla, CVPR 2018): one
 * log-variance {@code s_k = log sigma_k^2} per task, a dense parameter stepped with the others.
 *
 * <p>An example's loss {@code l} of task {@code k} becomes {@code exp(-s_k) l + s_k / 2} for the
 * classification tasks (click, purchase) and {@code exp(-s_k) l / 2 + s_k / 2} for the rating
 * (Gaussian likelihood), each times the example's static weight. The {@code s_k / 2} term stops
 * {@code s_k} from growing without bound; at the optimum {@code exp(-s_k)} is inversely
 * proportional to the task's mean loss, so a task the model already fits well is weighted up, one
 * it cannot fit is weighted down. Starting at {@code s_k = 0} gives the static weights (halved for
 * the rating).
 */
public final class UncertaintyWeights {
    /** Name of the dense parameter, as snapshots list it. */
    public static final String PARAM_NAME = "task.log.variance";

    private final DenseParam logVariance;
    private final float[] lossScale = new float[Task.values().length];

    public UncertaintyWeights(Optimizer optimizer) {
        this.logVariance = new DenseParam(PARAM_NAME, Task.values().length, optimizer);
    }

    /** The log-variances {@code s_k}, in task order, with their gradients and optimizer slots. */
    public DenseParam param() {
        return logVariance;
    }

    /** {@code s_k} of {@code task}. */
    public float logVariance(Task task) {
        return logVariance.values()[task.index()];
    }

    /** Reads the current {@code s_k}; call once per pass, before {@link #lossScale}. */
    public void prepare() {
        float[] s = logVariance.values();
        for (Task task : Task.values()) {
            double half = task == Task.RATING ? 0.5 : 1.0;
            lossScale[task.index()] = (float) (half * Math.exp(-s[task.index()]));
        }
    }

    /** What a loss of task {@code t} (and its gradient) is multiplied by. */
    public float lossScale(int t) {
        return lossScale[t];
    }

    /**
     * One loss term of task {@code t}: returns its weighted value {@code weight (scale_t loss + s_t
     * / 2)} and adds {@code gradientWeight} times its derivative with respect to {@code s_t}.
     */
    public double add(int t, double loss, float weight, float gradientWeight) {
        float s = logVariance.values()[t];
        double scaled = lossScale[t] * loss;
        logVariance.grads()[t] += (float) (gradientWeight * (0.5 - scaled));
        return weight * (scaled + 0.5 * s);
    }
}
