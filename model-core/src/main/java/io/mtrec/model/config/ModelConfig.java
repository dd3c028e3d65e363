package io.mtrec.model.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static io.mtrec.model.config.ParamValidators.anyFinite;
import static io.mtrec.model.config.ParamValidators.inRange;
import static io.mtrec.model.config.ParamValidators.inRangeExcludingHigh;
import static io.mtrec.model.config.ParamValidators.inRangeExcludingLow;

/**
 * Every hyper-parameter of the multi-task model, declared once, immutable once built.
 *
 * <p>Defaults of the learning parameters were chosen on planted rank-3 worlds (2,000 users x 500
 * items, batch 64 and 1024, see {@code PlantedExperimentMain} in the tests): Adagrad at rate 0.2
 * with initial accumulator 0.1 reaches click AUC 0.82 against a Bayes-optimal 0.83 after ~150
 * events per user; rating weight 1 beat 0.25 and 0.5 on all three tasks; four negatives at weight
 * 0.25 cost under 0.005 AUC where impressions exist and give the click head negatives where they do
 * not; the clip norm is ten times the typical gradient norm (0.03 to 0.13), a guard only. On the
 * dense synthetic stream (1M events, see the model-core README) popularity negatives with the logQ
 * correction match uniform ones (click AUC 0.7912 vs 0.7909), and Adam, best at rate 0.005, trails
 * Adagrad on clicks (0.7890), so Adagrad stays the default. ESMM purchase training ties click-space
 * training on click and purchase AUC there; larger purchase or learned task weights trade click AUC
 * and rating RMSE for purchase AUC, so the static weights stay at 1.
 *
 * <p>A value is validated when it is set (on the builder or in {@link #fromMap}); the only check
 * left to {@link Builder#build()} is the one that spans two parameters ({@code rating.min <
 * rating.max}). The same object feeds the Flink job, the CLI, snapshots and tests; {@link #toMap()}
 * and {@link #fromMap} are exact inverses.
 */
public final class ModelConfig {

    public static final Param<Integer> EMBEDDING_DIM =
            Param.ofInt(
                    "embedding.dim",
                    32,
                    inRange(1, 1024),
                    "Width d of every user and item embedding row; purchase.private.fraction of it"
                            + " only the purchase head reads, the rest all tasks share.");
    public static final Param<Integer> BOTTOM_HIDDEN =
            Param.ofInt(
                    "bottom.hidden",
                    64,
                    inRange(1, 4096),
                    "Width of each ReLU layer of the shared bottom over [u, v, u*v].");
    public static final Param<Integer> BOTTOM_LAYERS =
            Param.ofInt(
                    "bottom.layers",
                    1,
                    inRange(1, 8),
                    "Number of ReLU layers in the shared bottom.");
    public static final Param<Architecture> ARCHITECTURE =
            new Param<>(
                    "architecture",
                    Architecture.class,
                    Architecture.SHARED_BOTTOM,
                    ParamValidators.oneOf(Architecture.values()),
                    "What the task heads read over the shared bottom: shared-bottom (its output) or"
                            + " mmoe (a per-task softmax-gated mixture of experts).",
                    Architecture::fromConfigName,
                    Architecture::configName);
    public static final Param<Integer> MMOE_EXPERTS =
            Param.ofInt(
                    "mmoe.experts",
                    4,
                    inRange(1, 64),
                    "Number of ReLU experts over the shared bottom when architecture is mmoe.");
    public static final Param<Integer> MMOE_EXPERT_HIDDEN =
            Param.ofInt(
                    "mmoe.expert.hidden",
                    32,
                    inRange(1, 4096),
                    "Width of each expert, and so of every head's input, when architecture is"
                            + " mmoe.");
    public static final Param<OptimizerKind> OPTIMIZER =
            new Param<>(
                    "optimizer",
                    OptimizerKind.class,
                    OptimizerKind.ADAGRAD,
                    ParamValidators.oneOf(OptimizerKind.values()),
                    "Update rule for all parameters: sgd, adagrad or adam (lazy on embedding rows).",
                    OptimizerKind::fromConfigName,
                    OptimizerKind::configName);
    public static final Param<Double> LEARNING_RATE =
            Param.ofDouble(
                    "learning.rate",
                    0.2,
                    inRangeExcludingLow(0.0, 10.0),
                    "Step size; dense layers step on the batch-mean gradient, embedding rows on"
                            + " the sum over their own examples.");
    public static final Param<Double> ADAGRAD_INITIAL_ACCUMULATOR =
            Param.ofDouble(
                    "adagrad.initial.accumulator",
                    0.1,
                    inRange(0.0, 10.0),
                    "Starting value of every Adagrad squared-gradient accumulator.");
    public static final Param<Double> ADAGRAD_EPSILON =
            Param.ofDouble(
                    "adagrad.epsilon",
                    1e-8,
                    inRangeExcludingLow(0.0, 1.0),
                    "Added to the square root of the Adagrad accumulator before dividing.");
    public static final Param<Double> ADAM_BETA1 =
            Param.ofDouble(
                    "adam.beta1",
                    0.9,
                    inRangeExcludingHigh(0.0, 1.0),
                    "Decay of Adam's moving average of the gradient.");
    public static final Param<Double> ADAM_BETA2 =
            Param.ofDouble(
                    "adam.beta2",
                    0.999,
                    inRangeExcludingHigh(0.0, 1.0),
                    "Decay of Adam's moving average of the squared gradient.");
    public static final Param<Double> ADAM_EPSILON =
            Param.ofDouble(
                    "adam.epsilon",
                    1e-8,
                    inRangeExcludingLow(0.0, 1.0),
                    "Added to the square root of Adam's bias-corrected squared-gradient average.");
    public static final Param<Integer> NEGATIVES_PER_POSITIVE =
            Param.ofInt(
                    "negatives.per.positive",
                    1,
                    inRange(0, 100),
                    "Items drawn by negatives.sampler as click negatives for every click.");
    public static final Param<NegativeSamplerKind> NEGATIVES_SAMPLER =
            new Param<>(
                    "negatives.sampler",
                    NegativeSamplerKind.class,
                    NegativeSamplerKind.POPULARITY,
                    ParamValidators.oneOf(NegativeSamplerKind.values()),
                    "How click negatives are drawn: popularity ((clicks + smoothing)^exponent)"
                            + " or uniform.",
                    NegativeSamplerKind::fromConfigName,
                    NegativeSamplerKind::configName);
    public static final Param<Double> NEGATIVES_POPULARITY_EXPONENT =
            Param.ofDouble(
                    "negatives.popularity.exponent",
                    0.75,
                    inRange(0.0, 2.0),
                    "Exponent of an item's smoothed click count in its popularity sampling weight.");
    public static final Param<Double> NEGATIVES_POPULARITY_SMOOTHING =
            Param.ofDouble(
                    "negatives.popularity.smoothing",
                    1.0,
                    inRangeExcludingLow(0.0, 1e6),
                    "Added to every item's click count, so an item never clicked can be drawn.");
    public static final Param<Double> NEGATIVES_REBUILD_FRACTION =
            Param.ofDouble(
                    "negatives.rebuild.fraction",
                    0.01,
                    inRange(0.0, 1.0),
                    "Rebuild the popularity alias table when the item count or the click total"
                            + " grew by this fraction since the last build (0: on any change).");
    public static final Param<Boolean> NEGATIVES_LOGQ_CORRECTION =
            Param.ofBoolean(
                    "negatives.logq.correction",
                    true,
                    "Train a sampled negative's click logit minus log(N Q(j)), its sampling"
                            + " probability relative to uniform (never applied when scoring).");
    public static final Param<Double> NEGATIVES_WEIGHT =
            Param.ofDouble(
                    "negatives.weight",
                    0.1,
                    inRange(0.0, 100.0),
                    "Loss weight of each sampled click negative, relative to a real example.");
    public static final Param<Double> RATING_MIN =
            Param.ofDouble(
                    "rating.min",
                    1.0,
                    inRange(-1e6, 1e6),
                    "Lowest rating of the scale; ratings outside [min, max] are rejected.");
    public static final Param<Double> RATING_MAX =
            Param.ofDouble(
                    "rating.max",
                    5.0,
                    inRange(-1e6, 1e6),
                    "Highest rating of the scale; must be greater than rating.min.");
    public static final Param<Long> CONVERSION_WINDOW_MS =
            Param.ofLong(
                    "conversion.window.ms",
                    3_600_000L,
                    inRange(0L, 31L * 24 * 3_600_000L),
                    "How long after a click (event time) a purchase still counts as its"
                            + " conversion; after that the click is a purchase negative.");
    public static final Param<Double> LOSS_WEIGHT_CLICK =
            Param.ofDouble(
                    "loss.weight.click",
                    1.0,
                    inRange(0.0, 100.0),
                    "Weight of the click BCE in the summed loss.");
    public static final Param<Double> LOSS_WEIGHT_PURCHASE =
            Param.ofDouble(
                    "loss.weight.purchase",
                    1.0,
                    inRange(0.0, 100.0),
                    "Weight of the purchase BCE (pCTCVR or pCVR, see purchase.training) in the"
                            + " summed loss.");
    public static final Param<Double> LOSS_WEIGHT_RATING =
            Param.ofDouble(
                    "loss.weight.rating",
                    1.0,
                    inRange(0.0, 100.0),
                    "Weight of the rating loss (see rating.loss) in the summed loss.");
    public static final Param<PurchaseTraining> PURCHASE_TRAINING =
            new Param<>(
                    "purchase.training",
                    PurchaseTraining.class,
                    PurchaseTraining.ESMM,
                    ParamValidators.oneOf(PurchaseTraining.values()),
                    "esmm: BCE of pCTR*pCVR over all impressions; click-space: BCE of pCVR over"
                            + " resolved clicks.",
                    PurchaseTraining::fromConfigName,
                    PurchaseTraining::configName);
    public static final Param<TaskWeighting> TASK_WEIGHTING =
            new Param<>(
                    "task.weighting",
                    TaskWeighting.class,
                    TaskWeighting.STATIC,
                    ParamValidators.oneOf(TaskWeighting.values()),
                    "static: the loss.weight.* values; uncertainty: also a learned log-variance"
                            + " per task (Kendall et al. 2018).",
                    TaskWeighting::fromConfigName,
                    TaskWeighting::configName);
    public static final Param<RatingLoss> RATING_LOSS =
            new Param<>(
                    "rating.loss",
                    RatingLoss.class,
                    RatingLoss.MSE,
                    ParamValidators.oneOf(RatingLoss.values()),
                    "mse: squared error; huber: squared error inside rating.huber.delta, linear"
                            + " beyond.",
                    RatingLoss::fromConfigName,
                    RatingLoss::configName);
    public static final Param<Double> RATING_HUBER_DELTA =
            Param.ofDouble(
                    "rating.huber.delta",
                    1.0,
                    inRangeExcludingLow(0.0, 100.0),
                    "Rating error beyond which the huber loss grows linearly.");
    public static final Param<Double> SCORE_WEIGHT_CLICK =
            Param.ofDouble(
                    "score.weight.click",
                    1.0,
                    inRange(0.0, 100.0),
                    "Weight of P(click) in the blended ranking score.");
    public static final Param<Double> SCORE_WEIGHT_PURCHASE =
            Param.ofDouble(
                    "score.weight.purchase",
                    1.0,
                    inRange(0.0, 100.0),
                    "Weight of P(click and purchase) in the blended ranking score.");
    public static final Param<Double> SCORE_WEIGHT_RATING =
            Param.ofDouble(
                    "score.weight.rating",
                    1.0,
                    inRange(0.0, 100.0),
                    "Weight of the predicted rating, rescaled to [0, 1], in the blended score.");
    public static final Param<Double> GRADIENT_CLIP_NORM =
            Param.ofDouble(
                    "gradient.clip.norm",
                    1.0,
                    inRange(0.0, 1e6),
                    "Global L2 norm the batch gradient is scaled down to; 0 disables clipping.");
    public static final Param<Integer> METRICS_WINDOW =
            Param.ofInt(
                    "metrics.window",
                    20_000,
                    inRange(1, 10_000_000),
                    "Predictions per task kept for progressive AUC, log-loss and RMSE.");
    public static final Param<Long> SEED =
            Param.ofLong(
                    "seed",
                    42L,
                    anyFinite(),
                    "Seed of every random choice: initial weights, rows and negative samples.");
    public static final Param<Double> INIT_STD =
            Param.ofDouble(
                    "init.std",
                    0.1,
                    inRangeExcludingLow(0.0, 1.0),
                    "Standard deviation of the Gaussian that initialises embedding rows.");
    public static final Param<Long> EMBEDDING_TTL_MS =
            Param.ofLong(
                    "embedding.ttl.ms",
                    0L,
                    inRange(0L, 10L * 366 * 24 * 3_600_000L),
                    "Event time after which an unseen user or item row is evicted; 0 keeps rows"
                            + " forever.");
    public static final Param<Integer> EMBEDDING_ADMISSION_MIN_COUNT =
            Param.ofInt(
                    "embedding.admission.min.count",
                    1,
                    inRange(1, 1000),
                    "Sightings before an id gets its own row; until then it shares its table's"
                            + " cold row.");
    public static final Param<Integer> EMBEDDING_ADMISSION_MAX_TRACKED =
            Param.ofInt(
                    "embedding.admission.max.tracked",
                    1_000_000,
                    inRange(1, 100_000_000),
                    "Most not-yet-admitted ids per table whose sightings are counted; the oldest"
                            + " half is forgotten when full.");
    public static final Param<Integer> ITEM_TEXT_DIM =
            Param.ofInt(
                    "item.text.dim",
                    0,
                    inRange(0, 4096),
                    "Length of item profiles' text embeddings, projected into item vectors;"
                            + " 0 ignores them.");
    public static final Param<Double> PURCHASE_PRIVATE_FRACTION =
            Param.ofDouble(
                    "purchase.private.fraction",
                    0.5,
                    inRange(0.0, 0.9),
                    "Share of each embedding row (rounded down to whole values) that only the"
                            + " purchase head reads; the rest feeds the shared bottom and every"
                            + " head.");

    /** All parameters, in the order {@link #toMap()} lists them. */
    public static final List<Param<?>> PARAMS =
            List.of(
                    EMBEDDING_DIM,
                    BOTTOM_HIDDEN,
                    BOTTOM_LAYERS,
                    ARCHITECTURE,
                    MMOE_EXPERTS,
                    MMOE_EXPERT_HIDDEN,
                    OPTIMIZER,
                    LEARNING_RATE,
                    ADAGRAD_INITIAL_ACCUMULATOR,
                    ADAGRAD_EPSILON,
                    ADAM_BETA1,
                    ADAM_BETA2,
                    ADAM_EPSILON,
                    NEGATIVES_PER_POSITIVE,
                    NEGATIVES_SAMPLER,
                    NEGATIVES_POPULARITY_EXPONENT,
                    NEGATIVES_POPULARITY_SMOOTHING,
                    NEGATIVES_REBUILD_FRACTION,
                    NEGATIVES_LOGQ_CORRECTION,
                    NEGATIVES_WEIGHT,
                    RATING_MIN,
                    RATING_MAX,
                    CONVERSION_WINDOW_MS,
                    LOSS_WEIGHT_CLICK,
                    LOSS_WEIGHT_PURCHASE,
                    LOSS_WEIGHT_RATING,
                    PURCHASE_TRAINING,
                    TASK_WEIGHTING,
                    RATING_LOSS,
                    RATING_HUBER_DELTA,
                    SCORE_WEIGHT_CLICK,
                    SCORE_WEIGHT_PURCHASE,
                    SCORE_WEIGHT_RATING,
                    GRADIENT_CLIP_NORM,
                    METRICS_WINDOW,
                    SEED,
                    INIT_STD,
                    EMBEDDING_TTL_MS,
                    EMBEDDING_ADMISSION_MIN_COUNT,
                    EMBEDDING_ADMISSION_MAX_TRACKED,
                    ITEM_TEXT_DIM,
                    PURCHASE_PRIVATE_FRACTION);

    private static final Map<String, Param<?>> BY_NAME = index();

    private final Map<Param<?>, Object> values;

    private ModelConfig(Map<Param<?>, Object> values) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** The configuration with every parameter at its default. */
    public static ModelConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this configuration's values. */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.values.putAll(values);
        return builder;
    }

    /**
     * Builds a configuration from string values keyed by parameter name (a YAML section or CLI
     * flags). Missing parameters keep their defaults; an unknown name or a bad value is rejected
     * with a message naming it.
     */
    public static ModelConfig fromMap(Map<String, String> map) {
        Builder builder = new Builder();
        for (Map.Entry<String, String> entry : map.entrySet()) {
            Param<?> param = BY_NAME.get(entry.getKey());
            if (param == null) {
                throw new IllegalArgumentException(
                        "unknown model parameter '"
                                + entry.getKey()
                                + "'; known parameters: "
                                + BY_NAME.keySet());
            }
            builder.parseAndSet(param, entry.getValue());
        }
        return builder.build();
    }

    /**
     * Every parameter's string value, in declaration order; {@code fromMap(toMap())} equals this.
     */
    public Map<String, String> toMap() {
        Map<String, String> map = new LinkedHashMap<>();
        for (Param<?> param : PARAMS) {
            map.put(param.name(), formatValue(param));
        }
        return Collections.unmodifiableMap(map);
    }

    /** Looks a parameter up by its dotted name. */
    public static Param<?> param(String name) {
        Param<?> param = BY_NAME.get(name);
        if (param == null) {
            throw new IllegalArgumentException("unknown model parameter '" + name + "'");
        }
        return param;
    }

    public <T> T get(Param<T> param) {
        Object value = values.get(param);
        return value == null ? param.defaultValue() : param.cast(value);
    }

    public int embeddingDim() {
        return get(EMBEDDING_DIM);
    }

    public int bottomHidden() {
        return get(BOTTOM_HIDDEN);
    }

    public int bottomLayers() {
        return get(BOTTOM_LAYERS);
    }

    public Architecture architecture() {
        return get(ARCHITECTURE);
    }

    public int mmoeExperts() {
        return get(MMOE_EXPERTS);
    }

    public int mmoeExpertHidden() {
        return get(MMOE_EXPERT_HIDDEN);
    }

    public OptimizerKind optimizer() {
        return get(OPTIMIZER);
    }

    public double learningRate() {
        return get(LEARNING_RATE);
    }

    public double adagradInitialAccumulator() {
        return get(ADAGRAD_INITIAL_ACCUMULATOR);
    }

    public double adagradEpsilon() {
        return get(ADAGRAD_EPSILON);
    }

    public double adamBeta1() {
        return get(ADAM_BETA1);
    }

    public double adamBeta2() {
        return get(ADAM_BETA2);
    }

    public double adamEpsilon() {
        return get(ADAM_EPSILON);
    }

    public int negativesPerPositive() {
        return get(NEGATIVES_PER_POSITIVE);
    }

    public NegativeSamplerKind negativesSampler() {
        return get(NEGATIVES_SAMPLER);
    }

    public double negativesPopularityExponent() {
        return get(NEGATIVES_POPULARITY_EXPONENT);
    }

    public double negativesPopularitySmoothing() {
        return get(NEGATIVES_POPULARITY_SMOOTHING);
    }

    public double negativesRebuildFraction() {
        return get(NEGATIVES_REBUILD_FRACTION);
    }

    public boolean negativesLogqCorrection() {
        return get(NEGATIVES_LOGQ_CORRECTION);
    }

    public double negativesWeight() {
        return get(NEGATIVES_WEIGHT);
    }

    public double ratingMin() {
        return get(RATING_MIN);
    }

    public double ratingMax() {
        return get(RATING_MAX);
    }

    public long conversionWindowMs() {
        return get(CONVERSION_WINDOW_MS);
    }

    public double lossWeightClick() {
        return get(LOSS_WEIGHT_CLICK);
    }

    public double lossWeightPurchase() {
        return get(LOSS_WEIGHT_PURCHASE);
    }

    public double lossWeightRating() {
        return get(LOSS_WEIGHT_RATING);
    }

    public PurchaseTraining purchaseTraining() {
        return get(PURCHASE_TRAINING);
    }

    public TaskWeighting taskWeighting() {
        return get(TASK_WEIGHTING);
    }

    public RatingLoss ratingLoss() {
        return get(RATING_LOSS);
    }

    public double ratingHuberDelta() {
        return get(RATING_HUBER_DELTA);
    }

    public double scoreWeightClick() {
        return get(SCORE_WEIGHT_CLICK);
    }

    public double scoreWeightPurchase() {
        return get(SCORE_WEIGHT_PURCHASE);
    }

    public double scoreWeightRating() {
        return get(SCORE_WEIGHT_RATING);
    }

    public double gradientClipNorm() {
        return get(GRADIENT_CLIP_NORM);
    }

    public int metricsWindow() {
        return get(METRICS_WINDOW);
    }

    public long seed() {
        return get(SEED);
    }

    public double initStd() {
        return get(INIT_STD);
    }

    public long embeddingTtlMs() {
        return get(EMBEDDING_TTL_MS);
    }

    public int admissionMinCount() {
        return get(EMBEDDING_ADMISSION_MIN_COUNT);
    }

    public int admissionMaxTracked() {
        return get(EMBEDDING_ADMISSION_MAX_TRACKED);
    }

    public int itemTextDim() {
        return get(ITEM_TEXT_DIM);
    }

    public double purchasePrivateFraction() {
        return get(PURCHASE_PRIVATE_FRACTION);
    }

    /**
     * The last {@code purchasePrivateDims()} values of every user and item row reach only the
     * purchase head: {@code floor(embedding.dim * purchase.private.fraction)}.
     */
    public int purchasePrivateDims() {
        return (int) Math.floor(embeddingDim() * purchasePrivateFraction());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelConfig other && toMap().equals(other.toMap());
    }

    @Override
    public int hashCode() {
        return toMap().hashCode();
    }

    @Override
    public String toString() {
        return "ModelConfig" + toMap();
    }

    private <T> String formatValue(Param<T> param) {
        return param.format(get(param));
    }

    private static Map<String, Param<?>> index() {
        Map<String, Param<?>> byName = new LinkedHashMap<>();
        for (Param<?> param : PARAMS) {
            if (byName.put(param.name(), param) != null) {
                throw new IllegalStateException("parameter declared twice: " + param.name());
            }
        }
        return Collections.unmodifiableMap(byName);
    }

    /** Collects validated values; {@link #build()} checks the constraints that span parameters. */
    public static final class Builder {
        private final Map<Param<?>, Object> values = new LinkedHashMap<>();

        private Builder() {}

        /**
         * Sets a parameter; throws {@link IllegalArgumentException} at once if the value is bad.
         */
        public <T> Builder set(Param<T> param, T value) {
            Objects.requireNonNull(param, "param");
            if (!BY_NAME.containsKey(param.name()) || BY_NAME.get(param.name()) != param) {
                throw new IllegalArgumentException("unknown model parameter '" + param + "'");
            }
            values.put(param, param.validate(value));
            return this;
        }

        /** Sets a parameter from its string form, as {@link ModelConfig#fromMap} does. */
        public Builder set(String name, String value) {
            return parseAndSet(param(name), value);
        }

        private <T> Builder parseAndSet(Param<T> param, String raw) {
            values.put(param, param.parse(raw));
            return this;
        }

        public Builder embeddingDim(int value) {
            return set(EMBEDDING_DIM, value);
        }

        public Builder bottomHidden(int value) {
            return set(BOTTOM_HIDDEN, value);
        }

        public Builder bottomLayers(int value) {
            return set(BOTTOM_LAYERS, value);
        }

        public Builder architecture(Architecture value) {
            return set(ARCHITECTURE, value);
        }

        public Builder mmoeExperts(int value) {
            return set(MMOE_EXPERTS, value);
        }

        public Builder mmoeExpertHidden(int value) {
            return set(MMOE_EXPERT_HIDDEN, value);
        }

        public Builder optimizer(OptimizerKind value) {
            return set(OPTIMIZER, value);
        }

        public Builder learningRate(double value) {
            return set(LEARNING_RATE, value);
        }

        public Builder negativesPerPositive(int value) {
            return set(NEGATIVES_PER_POSITIVE, value);
        }

        public Builder negativesWeight(double value) {
            return set(NEGATIVES_WEIGHT, value);
        }

        public Builder negativesSampler(NegativeSamplerKind value) {
            return set(NEGATIVES_SAMPLER, value);
        }

        public Builder negativesLogqCorrection(boolean value) {
            return set(NEGATIVES_LOGQ_CORRECTION, value);
        }

        public Builder ratingScale(double min, double max) {
            return set(RATING_MIN, min).set(RATING_MAX, max);
        }

        public Builder conversionWindowMs(long value) {
            return set(CONVERSION_WINDOW_MS, value);
        }

        public Builder lossWeights(double click, double purchase, double rating) {
            return set(LOSS_WEIGHT_CLICK, click)
                    .set(LOSS_WEIGHT_PURCHASE, purchase)
                    .set(LOSS_WEIGHT_RATING, rating);
        }

        public Builder purchaseTraining(PurchaseTraining value) {
            return set(PURCHASE_TRAINING, value);
        }

        public Builder taskWeighting(TaskWeighting value) {
            return set(TASK_WEIGHTING, value);
        }

        public Builder ratingLoss(RatingLoss value) {
            return set(RATING_LOSS, value);
        }

        public Builder ratingHuberDelta(double value) {
            return set(RATING_HUBER_DELTA, value);
        }

        public Builder gradientClipNorm(double value) {
            return set(GRADIENT_CLIP_NORM, value);
        }

        public Builder metricsWindow(int value) {
            return set(METRICS_WINDOW, value);
        }

        public Builder seed(long value) {
            return set(SEED, value);
        }

        public Builder initStd(double value) {
            return set(INIT_STD, value);
        }

        public Builder embeddingTtlMs(long value) {
            return set(EMBEDDING_TTL_MS, value);
        }

        public Builder admissionMinCount(int value) {
            return set(EMBEDDING_ADMISSION_MIN_COUNT, value);
        }

        public Builder admissionMaxTracked(int value) {
            return set(EMBEDDING_ADMISSION_MAX_TRACKED, value);
        }

        public Builder itemTextDim(int value) {
            return set(ITEM_TEXT_DIM, value);
        }

        public Builder purchasePrivateFraction(double value) {
            return set(PURCHASE_PRIVATE_FRACTION, value);
        }

        /** Checks the cross-parameter constraints and freezes the values. */
        public ModelConfig build() {
            ModelConfig config = new ModelConfig(values);
            if (!(config.ratingMin() < config.ratingMax())) {
                throw new IllegalArgumentException(
                        "rating.min must be less than rating.max, got rating.min="
                                + config.ratingMin()
                                + ", rating.max="
                                + config.ratingMax());
            }
            return config;
        }
    }
}
