package io.mtrec.model.sampling;

import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.config.NegativeSamplerKind;

import java.util.Arrays;

/**
 * Draws click negatives with probability proportional to {@code (clicks + smoothing)^exponent}
 * (word2vec's unigram^0.75 by default), from a Vose {@link AliasTable} kept up to date online.
 *
 * <p><b>What is counted.</b> An item's positive clicks, not all its sightings. Impressions already
 * give the click head negatives in proportion to exposure; the sampled negatives are there to
 * contrast the positives, which arrive in proportion to clicks, so that an item's click count alone
 * does not make it look relevant to everyone (the reasoning of word2vec's and YouTube's
 * frequency-based negatives). The smoothing constant gives every item, clicked or not, a positive
 * weight.
 *
 * <p><b>Online updates.</b> Counts change with every click ({@link #observeClick}); at the end of a
 * batch ({@link #endBatch}) the table is rebuilt, from the counts of that moment, when the item
 * count or the click total grew by at least {@code negatives.rebuild.fraction} since the last build
 * (any growth when it is 0). Between builds the sampler draws from, and {@link #logSamplingRatio}
 * reports, the distribution of the last build, so the logQ correction always matches the draws.
 * Items created after the last build are not drawn until the next. The build is a pure function of
 * the counts, so the state is the counts, the counts at the last build and the generator.
 *
 * <p>Weights are computed with {@link StrictMath#pow} and the correction with {@link
 * StrictMath#log}: bit-identical on every JVM. The clicked item is excluded by redrawing, which
 * keeps the other items' relative probabilities; {@link #logSamplingRatio} uses that conditional
 * distribution.
 */
public final class PopularityNegativeSampler implements NegativeSampler {
    /**
     * Alias draws per negative before falling back to a linear scan over the other items: the scan
     * costs O(items) but runs with probability Q(positive)^16, only when one item holds most of the
     * mass (in practice a small catalog).
     */
    private static final int MAX_TRIES = 16;

    private final SplitMix64 rng;
    private final double exponent;
    private final double smoothing;
    private final double rebuildFraction;
    private final AliasTable table = new AliasTable();
    private long[] counts = new long[16];
    private double[] weights = new double[16];
    private int items;
    private long totalClicks;
    private long[] builtCounts = new long[16];
    private double[] builtWeights = new double[16];
    private int builtItems;
    private long builtClicks;
    private double builtMass;

    /**
     * @param rngState state of the generator
     * @param exponent exponent of the smoothed click count
     * @param smoothing added to every count; positive
     * @param rebuildFraction relative growth of items or clicks that triggers a rebuild
     */
    public PopularityNegativeSampler(
            long rngState, double exponent, double smoothing, double rebuildFraction) {
        if (!(exponent >= 0) || !Double.isFinite(exponent)) {
            throw new IllegalArgumentException("exponent must be >= 0, got " + exponent);
        }
        if (!(smoothing > 0) || !Double.isFinite(smoothing)) {
            throw new IllegalArgumentException("smoothing must be positive, got " + smoothing);
        }
        if (!(rebuildFraction >= 0) || !Double.isFinite(rebuildFraction)) {
            throw new IllegalArgumentException(
                    "rebuild fraction must be >= 0, got " + rebuildFraction);
        }
        this.rng = new SplitMix64(rngState);
        this.exponent = exponent;
        this.smoothing = smoothing;
        this.rebuildFraction = rebuildFraction;
    }

    /** A sampler with no counts and an empty table, configured by {@code config}. */
    public static PopularityNegativeSampler fresh(ModelConfig config, long rngState) {
        return new PopularityNegativeSampler(
                rngState,
                config.negativesPopularityExponent(),
                config.negativesPopularitySmoothing(),
                config.negativesRebuildFraction());
    }

    /**
     * Restores a sampler from its saved state ({@link #rngState()}, {@link #counts()}, {@link
     * #builtCounts()}); the table is rebuilt from the built counts, so it draws exactly as the
     * saved sampler did.
     */
    public static PopularityNegativeSampler restore(
            ModelConfig config, long rngState, long[] counts, long[] builtCounts) {
        if (builtCounts.length > counts.length) {
            throw new IllegalArgumentException(
                    "the table was built over "
                            + builtCounts.length
                            + " items but only "
                            + counts.length
                            + " are counted");
        }
        PopularityNegativeSampler sampler = fresh(config, rngState);
        sampler.ensureItems(counts.length);
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] < 0 || (i < builtCounts.length && builtCounts[i] > counts[i])) {
                throw new IllegalArgumentException(
                        "item row "
                                + i
                                + " has "
                                + counts[i]
                                + " clicks, "
                                + (i < builtCounts.length ? builtCounts[i] : 0)
                                + " at the last build: counts must be >= 0 and never shrink");
            }
            sampler.counts[i] = counts[i];
            sampler.weights[i] = sampler.weightOf(counts[i]);
            sampler.totalClicks += counts[i];
        }
        sampler.build(builtCounts, null, builtCounts.length);
        return sampler;
    }

    @Override
    public NegativeSamplerKind kind() {
        return NegativeSamplerKind.POPULARITY;
    }

    @Override
    public long rngState() {
        return rng.state();
    }

    /** Clicks counted per item row, for the rows the sampler knows. */
    public long[] counts() {
        return Arrays.copyOf(counts, items);
    }

    /** The counts the current table was built from (one per item row it covers). */
    public long[] builtCounts() {
        return Arrays.copyOf(builtCounts, builtItems);
    }

    /** Item rows the current table covers. */
    public int builtItems() {
        return builtItems;
    }

    /** Probability that one unconditioned draw of the current table is {@code row}. */
    public double probability(int row) {
        return row < builtItems ? builtWeights[row] / builtMass : 0.0;
    }

    @Override
    public int sample(int positiveRow, int itemCount, int k, int[] out) {
        if (positiveRow < 0 || positiveRow >= itemCount) {
            throw new IllegalArgumentException(
                    "positive row " + positiveRow + " outside [0, " + itemCount + ")");
        }
        int candidates = builtItems - (positiveRow < builtItems ? 1 : 0);
        if (candidates < 1) {
            return 0;
        }
        for (int i = 0; i < k; i++) {
            int row = table.sample(rng);
            for (int tries = 1; row == positiveRow && tries < MAX_TRIES; tries++) {
                row = table.sample(rng);
            }
            // Both ways give a draw from the distribution conditioned on "not the positive".
            out[i] = row != positiveRow ? row : scanExcluding(positiveRow);
        }
        return k;
    }

    /** One draw over the built rows other than {@code excluded}, by cumulative weight. */
    private int scanExcluding(int excluded) {
        double target = rng.nextDouble() * (builtMass - builtWeights[excluded]);
        double cumulative = 0;
        int last = -1;
        for (int row = 0; row < builtItems; row++) {
            if (row == excluded) {
                continue;
            }
            cumulative += builtWeights[row];
            last = row;
            if (target < cumulative) {
                return row;
            }
        }
        return last; // target within rounding of the total
    }

    @Override
    public double logSamplingRatio(int positiveRow, int negativeRow) {
        boolean excluded = positiveRow < builtItems;
        double rest = excluded ? builtMass - builtWeights[positiveRow] : builtMass;
        int candidates = builtItems - (excluded ? 1 : 0);
        return StrictMath.log(candidates * builtWeights[negativeRow] / rest);
    }

    @Override
    public void observeClick(int itemRow) {
        if (itemRow < 0) {
            throw new IllegalArgumentException("item row must be >= 0, got " + itemRow);
        }
        ensureItems(itemRow + 1);
        counts[itemRow]++;
        totalClicks++;
        weights[itemRow] = weightOf(counts[itemRow]);
    }

    @Override
    public void endBatch(int itemCount) {
        ensureItems(itemCount);
        boolean itemsGrew =
                items > builtItems && items - builtItems >= rebuildFraction * builtItems;
        boolean clicksGrew =
                totalClicks > builtClicks
                        && totalClicks - builtClicks >= rebuildFraction * builtClicks;
        if (itemsGrew || clicksGrew) {
            build(counts, weights, items);
        }
    }

    /**
     * Rebuilds the table over the first {@code n} of {@code source}'s counts, whose weights are
     * {@code sourceWeights} when given (the live weights, kept per click so a rebuild needs no
     * {@code pow}) or are computed.
     */
    private void build(long[] source, double[] sourceWeights, int n) {
        if (builtCounts.length < n) {
            builtCounts = new long[Math.max(n, 2 * builtCounts.length)];
            builtWeights = new double[builtCounts.length];
        }
        long clicks = 0;
        double mass = 0;
        for (int i = 0; i < n; i++) {
            builtCounts[i] = source[i];
            builtWeights[i] = sourceWeights != null ? sourceWeights[i] : weightOf(source[i]);
            clicks += source[i];
            mass += builtWeights[i];
        }
        builtItems = n;
        builtClicks = clicks;
        builtMass = mass;
        table.build(builtWeights, n, mass);
    }

    /**
     * Moves the counts with their rows (an evicted item's clicks leave with it) and rebuilds the
     * table at once, so no draw can land on a row number that now means another item.
     */
    @Override
    public void rowsRemapped(int[] newRowOfOldRow, int newSize) {
        long[] movedCounts = new long[Math.max(16, newSize)];
        double[] movedWeights = new double[movedCounts.length];
        Arrays.fill(movedWeights, 0, newSize, weightOf(0));
        long clicks = 0;
        for (int old = 0; old < Math.min(items, newRowOfOldRow.length); old++) {
            int row = newRowOfOldRow[old];
            if (row >= 0) {
                movedCounts[row] = counts[old];
                movedWeights[row] = weights[old];
                clicks += counts[old];
            }
        }
        counts = movedCounts;
        weights = movedWeights;
        items = newSize;
        totalClicks = clicks;
        build(counts, weights, items);
    }

    private double weightOf(long count) {
        return StrictMath.pow(count + smoothing, exponent);
    }

    @Override
    public void itemsAdded(int itemCount) {
        ensureItems(itemCount);
    }

    private void ensureItems(int n) {
        if (n <= items) {
            return;
        }
        if (counts.length < n) {
            int capacity = Math.max(n, 2 * counts.length);
            counts = Arrays.copyOf(counts, capacity);
            weights = Arrays.copyOf(weights, capacity);
        }
        double fresh = weightOf(0);
        for (int i = items; i < n; i++) {
            counts[i] = 0;
            weights[i] = fresh;
        }
        items = n;
    }
}
