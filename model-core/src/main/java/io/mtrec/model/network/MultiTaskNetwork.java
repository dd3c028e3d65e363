package io.mtrec.model.network;

import io.mtrec.model.config.Architecture;
import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.config.RatingLoss;
import io.mtrec.model.config.TaskWeighting;
import io.mtrec.model.embedding.EmbeddingTable;
import io.mtrec.model.embedding.SparseRowGradients;
import io.mtrec.model.embedding.TextProjection;
import io.mtrec.model.layers.DenseLayer;
import io.mtrec.model.layers.MixtureOfExperts;
import io.mtrec.model.layers.MmoeParams;
import io.mtrec.model.layers.Nd4jRuntime;
import io.mtrec.model.layers.SharedBottom;
import io.mtrec.model.optim.DenseParam;
import io.mtrec.model.optim.Optimizer;
import io.mtrec.model.sampling.SplitMix64;
import io.mtrec.model.tasks.LinearHead;
import io.mtrec.model.tasks.Losses;
import io.mtrec.model.tasks.Objective;
import io.mtrec.model.tasks.Task;
import io.mtrec.model.tasks.UncertaintyWeights;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The shared-embedding multi-task network and its mini-batch forward and backward pass.
 *
 * <pre>
 *   x = [u, v, u*v]  (3d)  --shared bottom (ReLU layers)-->  h
 *   shared-bottom:  in_t = h
 *   mmoe:           in_t = m_t = sum_e softmax(h G_t + b_t)_e relu(h W_e + c_e)
 *   head_t = b_t + bu_t + bv_t + w_t . [in_t, u*v]   click, purchase: logits; rating: value
 * </pre>
 *
 * <p>The heads read their input {@code in_t} from a per-task buffer and write {@code dLoss/d in_t}
 * into a per-task gradient buffer; with a shared bottom every task's buffers are the bottom's own
 * output and output-gradient arrays, with MMoE they are the {@link MixtureOfExperts}'s, which then
 * backpropagates into the bottom's output gradient.
 *
 * <p>{@code bu_t} and {@code bv_t} are per-task scalar biases of the user's and the item's row (an
 * item's popularity, conversion rate and rating level differ per task, and a shared embedding can
 * only express them through the network), learned sparsely with the rows and starting at 0.
 *
 * <p>The loss is the mean over the batch's examples of the sum of their weighted loss terms (see
 * {@link ExampleBatch}): BCE-with-logits of the click head, of the purchase head (click space), BCE
 * of {@code sigmoid(click) * sigmoid(purchase)} (ESMM's CTCVR, which feeds both heads), and squared
 * error or Huber loss of the rating. A head gets gradient only from the terms that read it. With
 * {@link UncertaintyWeights} each term is further scaled by its task's learned precision. One pass
 * gathers embedding rows into a preallocated input buffer in plain Java, runs the bottom's GEMMs
 * through ND4J, and sums each touched row's gradient once in {@link SparseRowGradients}, ready for
 * a sparse update.
 *
 * <p><b>Step rule.</b> Dense parameters step along the gradient of the mean loss; an embedding row
 * steps along {@code n} times it, the sum of its own examples' gradients. A row takes part in a
 * handful of a batch's {@code n} examples, so under the mean its gradient shrinks as the batch
 * grows while the dense gradients do not; summing keeps a row's step independent of who else is in
 * the batch, as in per-example online learning. Measured on a planted rank-3 world (2,000 users,
 * 500 items, Adagrad with initial accumulator 0.1): with mean row gradients the click AUC stays
 * near 0.55 for the first ~250 events per user before learning starts; with summed row gradients it
 * reaches 0.77 after ~50 events per user.
 *
 * <p><b>Purchase-private values.</b> With {@code purchase.private.fraction} > 0 the last {@code k}
 * values of every user and item row are private to the purchase head: the bottom reads {@code x =
 * [u_s, v_s, u_s*v_s]} over the first {@code s = d - k} values only, the click and rating heads'
 * direct path covers those {@code s} products, and the purchase head's covers all {@code d}. The
 * purchase-only structure of a user (what they buy, beyond what they click) then has room no click
 * gradient writes into: click labels outnumber purchase labels by an order of magnitude, and with
 * every value shared they set every value's course. Measured on the dense planted stream (which
 * plants a purchase-only factor): purchase AUC 0.7321 with every value shared, 0.7616 with 8 of 32
 * private, 0.7653 with 16, click AUC unchanged or better (model-core README).
 *
 * <p><b>Item text.</b> With a {@link TextProjection}, the item vector is {@code v = row + P t}
 * ({@code t} the item's text embedding, kept as the item table's side features): the gather builds
 * {@code x} from it, the row gets {@code dv} and {@code P} gets {@code dv ⊗ t}.
 */
public final class MultiTaskNetwork {
    private final int dim;
    private final int sharedDim;
    private final EmbeddingTable users;
    private final EmbeddingTable items;
    private final DenseLayer[] layers;
    private final SharedBottom bottom;
    private final MmoeParams mmoe;
    private final MixtureOfExperts mixture;
    private final int headWidth;
    private final float[][] headInputs;
    private final float[][] headInputGrads;
    private final LinearHead[] heads;
    private final List<DenseParam> denseParams;
    private final SparseRowGradients userGrads;
    private final SparseRowGradients itemGrads;
    private final TextProjection text;
    private float[] itemVectors = new float[0];
    private float[] predictions = new float[256];
    private int lastBatchSize;
    private float[] directGrads = new float[256];
    private float[] products = new float[256];
    private int[] itemVectorOffsets = new int[256];
    private float[] outputGrads = new float[256 * Task.values().length];
    private final RatingLoss ratingLoss;
    private final float huberDelta;
    private final UncertaintyWeights uncertainty;

    /**
     * A network over the given tables, bottom and heads. The heads read a mixture of experts when
     * {@code mmoe} is not null (the bottom's output otherwise); item vectors are {@code row + P t}
     * when {@code text} is not null (the item table's side features are the text embeddings); the
     * rating loss is {@code ratingLoss} ({@code huberDelta} applies to Huber); task weights are
     * learned by {@code uncertainty}, or static when it is null. {@link #create} builds one from a
     * config.
     */
    public MultiTaskNetwork(
            EmbeddingTable users,
            EmbeddingTable items,
            DenseLayer[] layers,
            MmoeParams mmoe,
            LinearHead[] heads,
            TextProjection text,
            RatingLoss ratingLoss,
            float huberDelta,
            UncertaintyWeights uncertainty) {
        Nd4jRuntime.useSingleThread();
        int textDim = text == null ? 0 : text.textDim();
        if (items.featureWidth() != textDim) {
            throw new IllegalArgumentException(
                    "item rows keep "
                            + items.featureWidth()
                            + " text features, the projection takes "
                            + textDim);
        }
        this.text = text;
        if (users.dim() != items.dim()) {
            throw new IllegalArgumentException(
                    "user rows have " + users.dim() + " values, item rows " + items.dim());
        }
        if (heads.length != Task.values().length) {
            throw new IllegalArgumentException("need one head per task, got " + heads.length);
        }
        this.dim = users.dim();
        this.users = users;
        this.items = items;
        this.layers = layers.clone();
        this.bottom = new SharedBottom(layers);
        if (bottom.inputWidth() % 3 != 0
                || bottom.inputWidth() < 3
                || bottom.inputWidth() > 3 * dim) {
            throw new IllegalArgumentException(
                    "the bottom takes "
                            + bottom.inputWidth()
                            + " inputs, expected 3s for s shared values in [1, d = "
                            + dim
                            + "]");
        }
        this.sharedDim = bottom.inputWidth() / 3;
        int hidden = bottom.outputWidth();
        this.mmoe = mmoe;
        if (mmoe != null && (mmoe.in() != hidden || mmoe.tasks() != heads.length)) {
            throw new IllegalArgumentException(
                    "the experts take "
                            + mmoe.in()
                            + " inputs and gate "
                            + mmoe.tasks()
                            + " tasks, expected the bottom's "
                            + hidden
                            + " outputs and "
                            + heads.length
                            + " tasks");
        }
        this.mixture = mmoe == null ? null : new MixtureOfExperts(mmoe);
        this.headWidth = mmoe == null ? hidden : mmoe.expertWidth();
        for (LinearHead head : heads) {
            int direct = head.task() == Task.PURCHASE ? dim : sharedDim;
            if (head.weight().size() != headWidth + direct) {
                throw new IllegalArgumentException(
                        head.task()
                                + " head has "
                                + head.weight().size()
                                + " weights, expected "
                                + (headWidth + direct)
                                + " (its input width "
                                + headWidth
                                + " + "
                                + direct
                                + (direct == dim ? " = d" : " shared values")
                                + ")");
            }
        }
        this.headInputs = new float[heads.length][];
        this.headInputGrads = new float[heads.length][];
        this.heads = heads.clone();
        List<DenseParam> params = new ArrayList<>();
        for (DenseLayer layer : layers) {
            params.add(layer.weight());
            params.add(layer.bias());
        }
        if (mmoe != null) {
            params.addAll(mmoe.params());
        }
        for (LinearHead head : heads) {
            params.add(head.weight());
            params.add(head.bias());
        }
        if (uncertainty != null) {
            params.add(uncertainty.param());
        }
        if (text != null) {
            params.add(text.weight());
        }
        this.denseParams = Collections.unmodifiableList(params);
        this.ratingLoss = ratingLoss;
        this.huberDelta = huberDelta;
        this.uncertainty = uncertainty;
        if (users.biasWidth() != heads.length || items.biasWidth() != heads.length) {
            throw new IllegalArgumentException(
                    "user and item rows need one bias per task ("
                            + heads.length
                            + "), got "
                            + users.biasWidth()
                            + " and "
                            + items.biasWidth());
        }
        this.userGrads = new SparseRowGradients(dim, heads.length);
        this.itemGrads = new SparseRowGradients(dim, heads.length);
    }

    /** A freshly initialised network for {@code config}, every random draw from its seed. */
    public static MultiTaskNetwork create(ModelConfig config, Optimizer optimizer) {
        int d = config.embeddingDim();
        long seed = config.seed();
        float slotInit = optimizer.initialSlotValue();
        EmbeddingTable users =
                new EmbeddingTable(
                        d,
                        optimizer.slotsPerValue(),
                        slotInit,
                        config.initStd(),
                        SplitMix64.derive(seed, "users"),
                        Task.values().length,
                        0,
                        config.admissionMinCount(),
                        config.admissionMaxTracked(),
                        optimizer.usesStepCount());
        EmbeddingTable items =
                new EmbeddingTable(
                        d,
                        optimizer.slotsPerValue(),
                        slotInit,
                        config.initStd(),
                        SplitMix64.derive(seed, "items"),
                        Task.values().length,
                        config.itemTextDim(),
                        config.admissionMinCount(),
                        config.admissionMaxTracked(),
                        optimizer.usesStepCount());
        int shared = d - config.purchasePrivateDims();
        DenseLayer[] layers = new DenseLayer[config.bottomLayers()];
        int in = 3 * shared;
        for (int l = 0; l < layers.length; l++) {
            layers[l] = new DenseLayer("bottom." + l, in, config.bottomHidden(), optimizer);
            layers[l].initialise(new SplitMix64(SplitMix64.derive(seed, "bottom." + l)));
            in = config.bottomHidden();
        }
        MmoeParams mmoe = null;
        int headWidth = config.bottomHidden();
        if (config.architecture() == Architecture.MMOE) {
            mmoe =
                    new MmoeParams(
                            config.bottomHidden(),
                            config.mmoeExperts(),
                            config.mmoeExpertHidden(),
                            Task.values().length,
                            optimizer);
            mmoe.initialise(
                    new SplitMix64(SplitMix64.derive(seed, "mmoe.experts")),
                    new SplitMix64(SplitMix64.derive(seed, "mmoe.gates")));
            headWidth = config.mmoeExpertHidden();
        }
        LinearHead[] heads = new LinearHead[Task.values().length];
        for (Task task : Task.values()) {
            int direct = task == Task.PURCHASE ? d : shared;
            heads[task.index()] = new LinearHead(task, headWidth, direct, optimizer);
            float initialBias =
                    task == Task.RATING
                            ? (float) ((config.ratingMin() + config.ratingMax()) / 2)
                            : 0f;
            heads[task.index()].initialise(
                    new SplitMix64(SplitMix64.derive(seed, "head." + task)), initialBias);
        }
        TextProjection text =
                config.itemTextDim() > 0
                        ? new TextProjection(d, config.itemTextDim(), optimizer)
                        : null;
        UncertaintyWeights uncertainty =
                config.taskWeighting() == TaskWeighting.UNCERTAINTY
                        ? new UncertaintyWeights(optimizer)
                        : null;
        return new MultiTaskNetwork(
                users,
                items,
                layers,
                mmoe,
                heads,
                text,
                config.ratingLoss(),
                (float) config.ratingHuberDelta(),
                uncertainty);
    }

    public EmbeddingTable users() {
        return users;
    }

    public EmbeddingTable items() {
        return items;
    }

    public DenseLayer[] layers() {
        return layers.clone();
    }

    public LinearHead head(Task task) {
        return heads[task.index()];
    }

    /** The experts and gates between the bottom and the heads; empty for a shared bottom. */
    public Optional<MmoeParams> mmoe() {
        return Optional.ofNullable(mmoe);
    }

    /**
     * Values of each row every task reads (the first ones); the rest, {@code d - sharedDim()}, only
     * the purchase head reads.
     */
    public int sharedDim() {
        return sharedDim;
    }

    /** Width of what each head reads besides {@code u*v}: the bottom's or an expert's output. */
    public int headWidth() {
        return headWidth;
    }

    /** The item text projection, or null when {@code item.text.dim} is 0. */
    public TextProjection textProjection() {
        return text;
    }

    /**
     * Bottom layers' weights and biases, then the MMoE expert weight, expert bias, gate weight and
     * gate bias (MMoE only), then each head's weight and bias, in task order, then the task
     * log-variances if the task weights are learned, then the item text projection if any.
     */
    public List<DenseParam> denseParams() {
        return denseParams;
    }

    public SparseRowGradients userGradients() {
        return userGrads;
    }

    public SparseRowGradients itemGradients() {
        return itemGrads;
    }

    public RatingLoss ratingLoss() {
        return ratingLoss;
    }

    public float huberDelta() {
        return huberDelta;
    }

    /** The learned task weights, or null if they are static. */
    public UncertaintyWeights uncertaintyWeights() {
        return uncertainty;
    }

    /**
     * The learned log-variance {@code s_k} of {@code task}'s loss ({@code sigma_k^2 = exp(s_k)}),
     * or NaN if the task weights are static.
     */
    public float taskLogVariance(Task task) {
        return uncertainty == null ? Float.NaN : uncertainty.logVariance(task);
    }

    /**
     * Per-example predictions of the last {@link #computeGradients} call, made with the parameters
     * before any step, of the head of the example's primary loss: P(click) for click examples,
     * P(purchase | click) for purchase examples (ESMM's CTCVR ones too), the raw rating output for
     * rating examples. They include the example's logit offset (0 for every real example).
     */
    public float predictions(int i) {
        return predictions[i];
    }

    /**
     * Forward and backward pass over {@code batch}; leaves the gradients of the mean weighted loss
     * in the dense params and the sparse row gradients, and returns that loss. Parameters are not
     * changed.
     */
    public double computeGradients(ExampleBatch batch) {
        int n = batch.size();
        lastBatchSize = n;
        for (DenseParam param : denseParams) {
            param.zeroGrads();
        }
        userGrads.reset(users.size());
        itemGrads.reset(items.size());
        if (n == 0) {
            return 0.0;
        }
        if (predictions.length < n) {
            predictions = new float[Math.max(n, predictions.length * 2)];
            outputGrads = new float[predictions.length * heads.length];
        }
        if (directGrads.length < n * dim) {
            directGrads = new float[Math.max(n * dim, directGrads.length * 2)];
            products = new float[directGrads.length];
        }
        if (itemVectorOffsets.length < n) {
            itemVectorOffsets = new int[Math.max(n, itemVectorOffsets.length * 2)];
        }
        int s = sharedDim;
        int width = 3 * s;
        float[] x = bottom.input(n);
        float[] u = users.values();
        // v = the item row, or row + P t computed once per distinct item in the slots the scatter
        // below will use.
        float[] v = text == null ? items.values() : projectItems(batch);
        for (int i = 0; i < n; i++) {
            int vOff =
                    text == null ? batch.itemRow(i) * dim : itemGrads.slot(batch.itemRow(i)) * dim;
            itemVectorOffsets[i] = vOff;
            gather(u, batch.userRow(i) * dim, v, vOff, x, i);
        }
        // Every head an example feeds adds its part of d(u*v).
        Arrays.fill(directGrads, 0, n * dim, 0f);
        float[] h = bottom.forward(n);
        forwardHeadInputs(h, n);
        int hw = headWidth;
        float[] bu = users.biases();
        float[] bv = items.biases();
        int tasks = heads.length;
        float inverseN = 1f / n;
        if (uncertainty != null) {
            uncertainty.prepare();
        }
        int click = Task.CLICK.index();
        int purchase = Task.PURCHASE.index();
        int rating = Task.RATING.index();
        int clickHead = Objective.CLICK.bit() | Objective.CTCVR.bit();
        int purchaseHead = Objective.CONVERSION.bit() | Objective.CTCVR.bit();
        double loss = 0;
        for (int i = 0; i < n; i++) {
            int mask = batch.lossMask(i);
            int hOff = i * hw;
            int uvOff = i * dim;
            int userBias = batch.userRow(i) * tasks;
            int itemBias = batch.itemRow(i) * tasks;
            int gOff = i * tasks;
            float zc = 0f;
            float zp = 0f;
            float zr = 0f;
            if ((mask & clickHead) != 0) {
                zc =
                        heads[click].output(headInputs[click], hOff, products, uvOff)
                                + bu[userBias + click]
                                + bv[itemBias + click]
                                // Sampling correction (logQ): a constant shift of the training
                                // click logit; predict() and scoring never add it.
                                + batch.logitOffset(i);
            }
            if ((mask & purchaseHead) != 0) {
                zp =
                        heads[purchase].output(headInputs[purchase], hOff, products, uvOff)
                                + bu[userBias + purchase]
                                + bv[itemBias + purchase];
            }
            if ((mask & Objective.RATING.bit()) != 0) {
                zr =
                        heads[rating].output(headInputs[rating], hOff, products, uvOff)
                                + bu[userBias + rating]
                                + bv[itemBias + rating];
            }
            float gc = 0f;
            float gp = 0f;
            float gr = 0f;
            if ((mask & Objective.CLICK.bit()) != 0) {
                float y = batch.label(i, Objective.CLICK);
                float w = batch.weight(i, Objective.CLICK);
                loss += term(click, Losses.bceWithLogits(zc, y), w, inverseN);
                gc += gradientScale(click, w, inverseN) * (Losses.sigmoid(zc) - y);
            }
            if ((mask & Objective.CONVERSION.bit()) != 0) {
                float y = batch.label(i, Objective.CONVERSION);
                float w = batch.weight(i, Objective.CONVERSION);
                loss += term(purchase, Losses.bceWithLogits(zp, y), w, inverseN);
                gp += gradientScale(purchase, w, inverseN) * (Losses.sigmoid(zp) - y);
            }
            if ((mask & Objective.CTCVR.bit()) != 0) {
                float y = batch.label(i, Objective.CTCVR);
                float w = batch.weight(i, Objective.CTCVR);
                loss += term(purchase, Losses.ctcvrBce(zc, zp, y), w, inverseN);
                double scale = gradientScale(purchase, w, inverseN);
                gc += (float) (scale * Losses.ctcvrGradientClick(zc, zp, y));
                gp += (float) (scale * Losses.ctcvrGradientPurchase(zc, zp, y));
            }
            if ((mask & Objective.RATING.bit()) != 0) {
                float y = batch.label(i, Objective.RATING);
                float w = batch.weight(i, Objective.RATING);
                float scale = gradientScale(rating, w, inverseN);
                if (ratingLoss == RatingLoss.HUBER) {
                    loss += term(rating, Losses.huber(zr, y, huberDelta), w, inverseN);
                    gr = scale * Losses.huberGradient(zr, y, huberDelta);
                } else {
                    loss += term(rating, Losses.squaredError(zr, y), w, inverseN);
                    gr = scale * Losses.squaredErrorGradient(zr, y);
                }
            }
            predictions[i] =
                    switch (batch.task(i)) {
                        case CLICK -> Losses.sigmoid(zc);
                        case PURCHASE -> Losses.sigmoid(zp);
                        case RATING -> zr;
                    };
            outputGrads[gOff + click] = gc;
            outputGrads[gOff + purchase] = gp;
            outputGrads[gOff + rating] = gr;
            if ((mask & clickHead) != 0) {
                backward(heads[click], gc, headInputs[click], hOff, headInputGrads[click], i);
            }
            if ((mask & purchaseHead) != 0) {
                backward(
                        heads[purchase],
                        gp,
                        headInputs[purchase],
                        hOff,
                        headInputGrads[purchase],
                        i);
            }
            if ((mask & Objective.RATING.bit()) != 0) {
                backward(heads[rating], gr, headInputs[rating], hOff, headInputGrads[rating], i);
            }
        }
        if (mixture != null) {
            mixture.backward(n, bottom.outputGradient());
        }
        float[] dx = bottom.backward(n);
        for (int i = 0; i < n; i++) {
            int userRow = batch.userRow(i);
            int itemRow = batch.itemRow(i);
            int userSlot = userGrads.slot(userRow);
            int itemSlot = itemGrads.slot(itemRow);
            float[] gu = userGrads.grads();
            float[] gv = itemGrads.grads();
            for (int t = 0; t < tasks; t++) {
                userGrads.biasGrads()[userSlot * tasks + t] += outputGrads[i * tasks + t];
                itemGrads.biasGrads()[itemSlot * tasks + t] += outputGrads[i * tasks + t];
            }
            int uOff = userRow * dim;
            int vOff = itemVectorOffsets[i];
            int guOff = userSlot * dim;
            int gvOff = itemSlot * dim;
            int xOff = i * width;
            int eOff = i * dim;
            for (int j = 0; j < s; j++) {
                // d/du of v*u through the bottom's third block and through the heads' direct path.
                float product = dx[xOff + 2 * s + j] + directGrads[eOff + j];
                gu[guOff + j] += dx[xOff + j] + product * v[vOff + j];
                gv[gvOff + j] += dx[xOff + s + j] + product * u[uOff + j];
            }
            for (int j = s; j < dim; j++) {
                // Purchase-private values: only the purchase head's direct path reads them.
                float product = directGrads[eOff + j];
                gu[guOff + j] += product * v[vOff + j];
                gv[gvOff + j] += product * u[uOff + j];
            }
        }
        if (text != null) {
            float[] features = items.features();
            int m = text.textDim();
            for (int slot = 0; slot < itemGrads.count(); slot++) {
                text.accumulateGradient(
                        itemGrads.grads(), slot * dim, features, itemGrads.row(slot) * m);
            }
        }
        return loss / n;
    }

    /**
     * A loss term of task {@code t} with static weight {@code weight}: its contribution to the
     * summed loss, with its log-variance gradient added when the weights are learned.
     */
    private double term(int t, double value, float weight, float inverseN) {
        if (uncertainty == null) {
            return weight * value;
        }
        return uncertainty.add(t, value, weight, weight * inverseN);
    }

    /** What the derivative of a loss term of task {@code t} is multiplied by. */
    private float gradientScale(int t, float weight, float inverseN) {
        float scale = weight * inverseN;
        return uncertainty == null ? scale : scale * uncertainty.lossScale(t);
    }

    /** Adds head {@code head}'s share of example {@code i}'s input and {@code u*v} gradients. */
    private void backward(LinearHead head, float g, float[] in, int hOff, float[] dIn, int i) {
        head.addBackward(g, in, hOff, products, i * dim, dIn, hOff, directGrads, i * dim);
    }

    /**
     * What {@code task}'s head predicts for example {@code i} of the last {@link #computeGradients}
     * pass, with the parameters of that pass (call it before {@link #applyGradients}): a
     * probability for click and purchase, the raw output for rating. Example {@code i} may belong
     * to another task; a click example asked for {@link Task#PURCHASE} gives P(purchase | click) of
     * its pair.
     */
    public float predict(ExampleBatch batch, int i, Task task) {
        int t = task.index();
        int tasks = heads.length;
        float z =
                heads[t].output(headInputs[t], i * headWidth, products, i * dim)
                        + users.biases()[batch.userRow(i) * tasks + t]
                        + items.biases()[batch.itemRow(i) * tasks + t];
        return task == Task.RATING ? z : Losses.sigmoid(z);
    }

    /** Sum of squares of every gradient the last pass produced: dense and touched rows. */
    public double gradientSumOfSquares() {
        double sum = userGrads.sumOfSquares() + itemGrads.sumOfSquares();
        for (DenseParam param : denseParams) {
            sum += param.gradSumOfSquares();
        }
        return sum;
    }

    /**
     * Applies one optimizer step after {@link #computeGradients} with every gradient multiplied by
     * {@code scale} (the clipping factor): dense parameters along the mean-loss gradient, touched
     * embedding rows along the batch's example count times it (see the class note on the step
     * rule).
     */
    public void applyGradients(Optimizer optimizer, float scale) {
        for (DenseParam param : denseParams) {
            param.step(optimizer, scale);
        }
        syncWeights();
        float rowScale = scale * lastBatchSize;
        applyRows(optimizer, users, userGrads, rowScale);
        applyRows(optimizer, items, itemGrads, rowScale);
    }

    private void applyRows(
            Optimizer optimizer, EmbeddingTable table, SparseRowGradients grads, float scale) {
        float[] values = table.values();
        float[] slots = table.slots();
        float[] g = grads.grads();
        int slotWidth = dim * table.slotsPerValue();
        float[] biases = table.biases();
        float[] biasSlots = table.biasSlots();
        float[] gb = grads.biasGrads();
        int bw = table.biasWidth();
        int biasSlotWidth = bw * table.slotsPerValue();
        for (int s = 0; s < grads.count(); s++) {
            int row = grads.row(s);
            // One count per row covers its vector and its biases: a batch touches both together.
            long step = table.nextStep(row);
            optimizer.update(
                    values, row * dim, g, s * dim, slots, row * slotWidth, dim, scale, step);
            optimizer.update(
                    biases, row * bw, gb, s * bw, biasSlots, row * biasSlotWidth, bw, scale, step);
        }
    }

    /** Copies every layer's Java weights into its ND4J array, after a step or a restore. */
    public void syncWeights() {
        for (DenseLayer layer : layers) {
            layer.syncWeight();
        }
        if (mmoe != null) {
            mmoe.syncWeight();
        }
    }

    /**
     * Points every task's input and input-gradient buffer at what its head reads after the bottom
     * has run over {@code n} rows: the bottom's own buffers, or the experts' per-task mixtures.
     */
    private void forwardHeadInputs(float[] h, int n) {
        if (mixture == null) {
            Arrays.fill(headInputs, h);
            float[] dh = bottom.outputGradient();
            // Every head adds its part; the experts' buffers are cleared by the mixture itself.
            Arrays.fill(dh, 0, n * headWidth, 0f);
            Arrays.fill(headInputGrads, dh);
            return;
        }
        mixture.forward(h, n);
        for (int t = 0; t < heads.length; t++) {
            headInputs[t] = mixture.taskInput(t);
            headInputGrads[t] = mixture.taskInputGradient(t);
        }
    }

    /** Writes {@code row + P t} of every distinct item of the batch at its gradient slot. */
    private float[] projectItems(ExampleBatch batch) {
        int m = text.textDim();
        float[] rows = items.values();
        float[] features = items.features();
        int projected = 0;
        for (int i = 0; i < batch.size(); i++) {
            int row = batch.itemRow(i);
            int slot = itemGrads.slot(row);
            if (slot < projected) {
                continue; // projected at its first example
            }
            projected = slot + 1;
            if (itemVectors.length < projected * dim) {
                itemVectors = Arrays.copyOf(itemVectors, Math.max(64, 2 * projected) * dim);
            }
            System.arraycopy(rows, row * dim, itemVectors, slot * dim, dim);
            text.addProjection(features, row * m, itemVectors, slot * dim);
        }
        return itemVectors;
    }

    /**
     * Writes the vectors the network uses for the {@code n} item rows from {@code start} into
     * {@code out[outOff..outOff+n*d)}: the rows themselves, or {@code row + P t} with a text
     * projection.
     */
    public void itemVectors(int start, int n, float[] out, int outOff) {
        if (text == null) {
            System.arraycopy(items.values(), start * dim, out, outOff, n * dim);
        } else {
            text.itemVectors(items, start, n, out, outOff);
        }
    }

    /**
     * Writes example {@code i}'s bottom input {@code [u_s, v_s, u_s*v_s]} (the shared values) into
     * {@code x} and all {@code d} products {@code u*v} into {@link #products}.
     */
    private void gather(float[] u, int uOff, float[] v, int vOff, float[] x, int i) {
        int s = sharedDim;
        int xOff = i * 3 * s;
        int pOff = i * dim;
        for (int j = 0; j < dim; j++) {
            products[pOff + j] = u[uOff + j] * v[vOff + j];
        }
        System.arraycopy(u, uOff, x, xOff, s);
        System.arraycopy(v, vOff, x, xOff + s, s);
        System.arraycopy(products, pOff, x, xOff + 2 * s, s);
    }
}
