package io.mtrec.model.synthetic;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The seeded ground truth behind a synthetic stream: latent factors and per-item biases, and the
 * true click, purchase and rating distributions they imply for every user-item pair.
 *
 * <p>User factors p_u and item factors q_i have i.i.d. N(0, 1/sqrt(L)) components, so the affinity
 * p_u.q_i has unit variance whatever the latent dimension L. Purchases add a second, purchase-only
 * pair r_u.t_i (same law): the purchase affinity is w.p_u.q_i + sqrt(1-w^2).r_u.t_i with w = {@code
 * purchase-shared-weight}, again of unit variance, so the click and purchase tasks share structure
 * to the degree w and a multi-task model can carry what clicks teach it over to the far sparser
 * purchase labels.
 *
 * <ul>
 *   <li>P(click | impression) = sigmoid(click-bias + click-strength.p_u.q_i + b_i)
 *   <li>P(purchase | click) = sigmoid(purchase-bias + purchase-strength.affinity + c_i)
 *   <li>rating = clip(mid + rating-bias + rating-strength.p_u.q_i + d_i + N(0, rating-noise^2),
 *       rating-min, rating-max), mid being the middle of the scale
 * </ul>
 *
 * <p>{@link #ratingMean} is the exact mean of the clipped distribution (clipping is not negligible
 * at the defaults: about 10% of ratings sit on a bound), so it is the Bayes predictor under squared
 * error.
 *
 * <p>Each table draws from its own split of the seed, so for instance the item factors do not
 * change when only the number of users does.
 */
public final class PlantedTruth {
    private final int users;
    private final int items;
    private final int dim;
    private final double[] userFactors;
    private final double[] itemFactors;
    private final double[] userPurchaseFactors;
    private final double[] itemPurchaseFactors;
    private final double[] itemClickBias;
    private final double[] itemPurchaseBias;
    private final double[] itemRatingBias;
    private final double clickBias;
    private final double clickStrength;
    private final double purchaseBias;
    private final double purchaseStrength;
    private final double sharedWeight;
    private final double ownWeight;
    private final double ratingCenter;
    private final double ratingStrength;
    private final double ratingNoise;
    private final double ratingMin;
    private final double ratingMax;

    public PlantedTruth(SyntheticConfig config) {
        users = config.users();
        items = config.items();
        dim = config.latentDim();
        SplittableRandom root = Seeds.component(config.seed(), Seeds.TRUTH);
        double factorStd = Math.pow(dim, -0.25);
        userFactors = gaussians(root.split(), users * dim, factorStd);
        itemFactors = gaussians(root.split(), items * dim, factorStd);
        userPurchaseFactors = gaussians(root.split(), users * dim, factorStd);
        itemPurchaseFactors = gaussians(root.split(), items * dim, factorStd);
        itemClickBias = gaussians(root.split(), items, config.clickItemBiasStd());
        itemPurchaseBias = gaussians(root.split(), items, config.purchaseItemBiasStd());
        itemRatingBias = gaussians(root.split(), items, config.ratingItemBiasStd());
        clickBias = config.clickBias();
        clickStrength = config.clickStrength();
        purchaseBias = config.purchaseBias();
        purchaseStrength = config.purchaseStrength();
        sharedWeight = config.purchaseSharedWeight();
        ownWeight = Math.sqrt(1.0 - sharedWeight * sharedWeight);
        ratingMin = config.ratingMin();
        ratingMax = config.ratingMax();
        ratingCenter = (ratingMin + ratingMax) / 2.0 + config.ratingBias();
        ratingStrength = config.ratingStrength();
        ratingNoise = config.ratingNoise();
    }

    private static double[] gaussians(SplittableRandom rng, int n, double std) {
        double[] out = new double[n];
        for (int k = 0; k < n; k++) {
            out[k] = std * Normal.sample(rng);
        }
        return out;
    }

    private static double dot(double[] a, int aOffset, double[] b, int bOffset, int dim) {
        double sum = 0;
        for (int k = 0; k < dim; k++) {
            sum += a[aOffset + k] * b[bOffset + k];
        }
        return sum;
    }

    static double sigmoid(double x) {
        return 1.0 / (1.0 + StrictMath.exp(-x));
    }

    public int users() {
        return users;
    }

    public int items() {
        return items;
    }

    public int latentDim() {
        return dim;
    }

    /** p_u.q_i, the affinity that drives clicks and ratings (unit variance over random pairs). */
    public double affinity(int user, int item) {
        Objects.checkIndex(user, users);
        Objects.checkIndex(item, items);
        return dot(userFactors, user * dim, itemFactors, item * dim, dim);
    }

    /** The purchase affinity w.p_u.q_i + sqrt(1-w^2).r_u.t_i (unit variance). */
    public double purchaseAffinity(int user, int item) {
        double shared = affinity(user, item); // checks the indices
        double own = dot(userPurchaseFactors, user * dim, itemPurchaseFactors, item * dim, dim);
        return sharedWeight * shared + ownWeight * own;
    }

    /** True P(click | the item is shown to the user). */
    public double clickProbability(int user, int item) {
        return sigmoid(clickBias + clickStrength * affinity(user, item) + itemClickBias[item]);
    }

    /** True P(purchase | the user clicked the item). */
    public double purchaseProbability(int user, int item) {
        return sigmoid(
                purchaseBias
                        + purchaseStrength * purchaseAffinity(user, item)
                        + itemPurchaseBias[item]);
    }

    /** Mean of the rating before clipping and noise. */
    double ratingLocation(int user, int item) {
        return ratingCenter + ratingStrength * affinity(user, item) + itemRatingBias[item];
    }

    /** A rating drawn from the true distribution: location plus noise, clipped to the scale. */
    double sampleRating(int user, int item, SplittableRandom rng) {
        double raw = ratingLocation(user, item) + ratingNoise * Normal.sample(rng);
        return Math.min(ratingMax, Math.max(ratingMin, raw));
    }

    /** True expected rating (mean of the clipped distribution): the Bayes predictor for RMSE. */
    public double ratingMean(int user, int item) {
        return Normal.clippedMean(ratingLocation(user, item), ratingNoise, ratingMin, ratingMax);
    }

    /** A copy of the item's factors q_i. */
    public double[] itemFactors(int item) {
        Objects.checkIndex(item, items);
        double[] out = new double[dim];
        System.arraycopy(itemFactors, item * dim, out, 0, dim);
        return out;
    }

    /** A copy of the user's factors p_u. */
    public double[] userFactors(int user) {
        Objects.checkIndex(user, users);
        double[] out = new double[dim];
        System.arraycopy(userFactors, user * dim, out, 0, dim);
        return out;
    }
}
