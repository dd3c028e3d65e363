package io.mtrec.model.network;

import io.mtrec.model.layers.DenseLayer;
import io.mtrec.model.tasks.LinearHead;
import io.mtrec.model.tasks.Task;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Scores one user against many items, with the first layer and the heads' direct path factorised
 * per user.
 *
 * <p>For a fixed user {@code u}, the first layer's pre-activation for item {@code v} is
 *
 * <pre>
 *   [u, v, u*v] W0 + b0  =  (u W0u + b0)  +  v (W0v + diag(u) W0uv)  =  c_u + v M_u
 * </pre>
 *
 * and each head's direct term {@code w_uv . (u*v)} is {@code v . (w_uv * u)}, three more columns of
 * the same product. So n items cost one GEMM {@code [M_u | A_u]^T V^T} read straight from the item
 * table's contiguous rows ({@code (H + 3) x d} by {@code d x n}), instead of gathering {@code n x
 * 3d} inputs: a third of the multiply-adds, no gather. The result is laid out features by items, so
 * bias, ReLU and the three heads' sums over {@code h} are loops over contiguous item runs that the
 * JIT vectorises, instead of skinny {@code n x H} by {@code H x 3} GEMMs (measured: 94 us per 2,048
 * items through ND4J against about 30 us of loop).
 *
 * <p>With purchase-private values (the last {@code d - s} of a row, see {@link MultiTaskNetwork}),
 * the first layer reads only the first {@code s}: {@code M_u} is zero on the private rows, and only
 * the purchase head's direct column reaches them.
 *
 * <p>The parameters are the training pass's, summed in another order: outputs agree with it to
 * float rounding, and one state always gives the same floats. Not thread-safe; {@link #prepare} and
 * {@link #prepareUsers} read the network's current parameters, so call them again after every
 * training step.
 *
 * <p>Many users are scored together ({@link #prepareUsers}, {@link #scoreUsers}): their {@code [M_u
 * | A_u]} are stacked into one GEMM against the same item rows, copied to native memory once.
 */
public final class ItemScorer implements UserItemScorer {
    private static final int MIN_ROWS = 32;
    private static final int TASKS = Task.values().length;

    /**
     * Users whose {@code [M_u | A_u]} are stacked into one GEMM by {@link #scoreUsers}: measured on
     * a 2-core EPYC at d = 32, H = 64, 512 items, one user's GEMM takes 30 us and sixteen stacked
     * take 13 us a user; more gain little and grow the result past the caches.
     */
    public static final int USERS_PER_GEMM = 16;

    private final int dim;
    private final int shared;
    private final DenseLayer[] layers;
    private final LinearHead[] heads;
    private final int firstWidth;
    private final int lastWidth;
    private final int width;
    private final float[] userMatrixValues;
    private final float[] userBias;
    private final float[][] headWeights = new float[TASKS][];
    private final float[] headBias = new float[TASKS];

    /** Native {@code d x (count (H + 3))} user matrices, by count of users. */
    private final INDArray[] userMatrices = new INDArray[USERS_PER_GEMM + 1];

    private final Map<Long, Buffers> buffers = new HashMap<>();
    private int prepared;
    private int preparedSlots;
    private float[] act = new float[0];
    private float[] hidden = new float[0];
    private final float[][] headSums = new float[TASKS][0];

    /**
     * Native arrays for one row count and user count: items, the first layer's {@code count (H + 3)
     * x rows} output, and per deeper layer one user's (features x rows) input and output.
     */
    private record Buffers(
            INDArray items,
            INDArray first,
            FloatBuffer firstView,
            INDArray[] pre,
            INDArray[] act) {}

    public ItemScorer(MultiTaskNetwork network) {
        if (network.mmoe().isPresent()) {
            throw new IllegalArgumentException(
                    "ItemScorer folds the heads onto the bottom's output; an MMoE network's heads"
                            + " read expert mixtures: use MmoeItemScorer");
        }
        this.dim = network.users().dim();
        this.shared = network.sharedDim();
        this.layers = network.layers();
        this.heads = new LinearHead[TASKS];
        for (Task task : Task.values()) {
            heads[task.index()] = network.head(task);
        }
        this.firstWidth = layers[0].out();
        this.lastWidth = layers[layers.length - 1].out();
        this.width = firstWidth + TASKS;
        this.userMatrixValues = new float[dim * USERS_PER_GEMM * width];
        this.userBias = new float[USERS_PER_GEMM * firstWidth];
    }

    /** Folds the user vector {@code u[uOff..uOff+d)} into the per-user matrix and bias. */
    @Override
    public void prepare(float[] u, int uOff) {
        prepareUsers(u, new int[] {uOff}, 1);
    }

    @Override
    public int maxUsers() {
        return USERS_PER_GEMM;
    }

    /**
     * Folds the user vectors {@code u[offsets[g]..+d)}, {@code g < count}, into one stacked matrix
     * {@code [M_u1 | A_u1 | M_u2 | A_u2 | ...]} and their biases.
     */
    @Override
    public void prepareUsers(float[] u, int[] offsets, int count) {
        if (count < 1 || count > USERS_PER_GEMM) {
            throw new IllegalArgumentException(
                    "count must be in [1, " + USERS_PER_GEMM + "], got " + count);
        }
        // Groups are padded to a power of two by repeating the last user, so at most five native
        // buffer sets exist per row count (not sixteen: 74 MB at 2,048 rows).
        int slots =
                Integer.highestOneBit(count) == count ? count : Integer.highestOneBit(count) << 1;
        int h = firstWidth;
        int stride = slots * width;
        float[] w = layers[0].weight().values();
        float[] b = layers[0].bias().values();
        for (int t = 0; t < TASKS; t++) {
            headWeights[t] = heads[t].weight().values();
            headBias[t] = heads[t].bias().values()[0];
        }
        for (int g = 0; g < slots; g++) {
            int uOff = offsets[Math.min(g, count - 1)];
            int col = g * width;
            System.arraycopy(b, 0, userBias, g * h, h);
            for (int k = 0; k < shared; k++) {
                float uk = u[uOff + k];
                int userRow = k * h;
                int itemRow = (shared + k) * h;
                int productRow = (2 * shared + k) * h;
                int out = k * stride + col;
                for (int j = 0; j < h; j++) {
                    userBias[g * h + j] += uk * w[userRow + j];
                    userMatrixValues[out + j] = w[itemRow + j] + uk * w[productRow + j];
                }
            }
            for (int k = shared; k < dim; k++) {
                Arrays.fill(userMatrixValues, k * stride + col, k * stride + col + h, 0f);
            }
            for (int t = 0; t < TASKS; t++) {
                int direct = heads[t].directWidth();
                float[] hw = headWeights[t];
                for (int k = 0; k < dim; k++) {
                    userMatrixValues[k * stride + col + h + t] =
                            k < direct ? hw[lastWidth + k] * u[uOff + k] : 0f;
                }
            }
        }
        if (userMatrices[slots] == null) {
            userMatrices[slots] = Nd4j.create(DataType.FLOAT, dim, stride);
        }
        pointer(userMatrices[slots]).put(userMatrixValues, 0, dim * stride);
        prepared = count;
        preparedSlots = slots;
    }

    /**
     * Head outputs for the prepared user and the {@code n} item vectors stored contiguously in
     * {@code itemValues} from {@code itemOff}: click and purchase logits and the raw rating.
     */
    @Override
    public void score(
            float[] itemValues,
            int itemOff,
            int n,
            float[] clickLogits,
            float[] purchaseLogits,
            float[] ratings) {
        if (prepared != 1) {
            throw new IllegalStateException(
                    "score needs one prepared user, " + prepared + " are: use scoreUsers");
        }
        scoreUsers(itemValues, itemOff, n, clickLogits, purchaseLogits, ratings, n);
    }

    /**
     * Head outputs of every prepared user for the {@code n} item vectors in {@code itemValues} from
     * {@code itemOff}, user {@code g}'s at {@code g * stride + i}: the items are copied to native
     * memory once, and the first layer of all users is one GEMM.
     */
    @Override
    public void scoreUsers(
            float[] itemValues,
            int itemOff,
            int n,
            float[] clickLogits,
            float[] purchaseLogits,
            float[] ratings,
            int stride) {
        if (n == 0) {
            return;
        }
        if (prepared == 0) {
            throw new IllegalStateException("no user prepared");
        }
        int count = prepared;
        int slots = preparedSlots;
        int rows = rows(n);
        Buffers buf = buffers.computeIfAbsent(((long) rows << 8) | slots, this::allocate);
        // GEMM columns are independent: padding items never reach the first n outputs.
        pointer(buf.items()).put(itemValues, itemOff, n * dim);
        ensureScratch(rows);

        // Layer 0 and the heads' direct terms of every slot: (slots (H0 + 3) x d) by (d x rows).
        Nd4j.gemm(userMatrices[slots], buf.items(), buf.first(), true, true, 1.0, 0.0);
        for (int g = 0; g < count; g++) {
            scoreUser(g, buf, rows, n, clickLogits, purchaseLogits, ratings, g * stride);
        }
    }

    /**
     * The rest of the pass for user {@code g}, whose first-layer output starts at its block.
     *
     * <p>Every loop runs over scratch arrays from index 0, copied in and out with {@code
     * System.arraycopy}: C2 (JDK 17) does not vectorise a loop that indexes an array at {@code off
     * + i}; measured on 500 floats, an axpy into a run at an offset took 130 ns, the same into a
     * scratch array 23 ns, and a ReLU 193 ns against 38 ns with its copy.
     */
    private void scoreUser(
            int g,
            Buffers buf,
            int rows,
            int n,
            float[] clickLogits,
            float[] purchaseLogits,
            float[] ratings,
            int outOff) {
        int block = g * width * rows;
        int directOff = block + firstWidth * rows;
        for (int t = 0; t < TASKS; t++) {
            float[] sum = headSums[t];
            buf.firstView().get(directOff + t * rows, sum, 0, n);
            addScalar(sum, headBias[t], n);
        }
        float[] bias = userBias;
        int biasOff = g * firstWidth;
        int inOff = block;
        for (int l = 0; l < layers.length; l++) {
            int out = layers[l].out();
            if (l > 0) {
                // H_l x rows = W_l^T (H_l x H_{l-1}) times act (H_{l-1} x rows), one user at a
                // time.
                pointer(buf.act()[l - 1]).put(act, 0, layers[l - 1].out() * rows);
                Nd4j.gemm(
                        layers[l].weightArray(),
                        buf.act()[l - 1],
                        buf.pre()[l],
                        true,
                        false,
                        1.0,
                        0.0);
                pointer(buf.pre()[l]).get(act, 0, out * rows);
                bias = layers[l].bias().values();
                biasOff = 0;
                inOff = 0;
            }
            float[] h = hidden;
            for (int j = 0; j < out; j++) {
                if (l == 0) {
                    // Straight from the GEMM's native output: no copy of the whole result.
                    buf.firstView().get(inOff + j * rows, h, 0, n);
                } else {
                    System.arraycopy(act, j * rows, h, 0, n);
                }
                relu(h, bias[biasOff + j], n);
                if (l + 1 < layers.length) {
                    // The deeper layer's input; its padding columns stay as they were, and GEMM
                    // columns are independent, so they never reach the first n outputs.
                    System.arraycopy(h, 0, act, j * rows, n);
                } else {
                    axpy(headWeights[Task.CLICK.index()][j], h, headSums[Task.CLICK.index()], n);
                    axpy(
                            headWeights[Task.PURCHASE.index()][j],
                            h,
                            headSums[Task.PURCHASE.index()],
                            n);
                    axpy(headWeights[Task.RATING.index()][j], h, headSums[Task.RATING.index()], n);
                }
            }
        }
        for (int t = 0; t < TASKS; t++) {
            System.arraycopy(
                    headSums[t], 0, output(t, clickLogits, purchaseLogits, ratings), outOff, n);
        }
    }

    private static void addScalar(float[] x, float c, int n) {
        for (int i = 0; i < n; i++) {
            x[i] += c;
        }
    }

    private static void relu(float[] x, float c, int n) {
        for (int i = 0; i < n; i++) {
            x[i] = Math.max(x[i] + c, 0f);
        }
    }

    private static void axpy(float a, float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) {
            y[i] += a * x[i];
        }
    }

    private static float[] output(int task, float[] click, float[] purchase, float[] rating) {
        return switch (Task.ofIndex(task)) {
            case CLICK -> click;
            case PURCHASE -> purchase;
            case RATING -> rating;
        };
    }

    /** Row counts are powers of two from 32, so few buffer sets exist and padding is < 2x. */
    private static int rows(int n) {
        return Math.max(MIN_ROWS, Integer.highestOneBit(n - 1) << 1);
    }

    private Buffers allocate(long key) {
        int rows = (int) (key >>> 8);
        int count = (int) (key & 0xff);
        INDArray items = Nd4j.create(DataType.FLOAT, rows, dim);
        INDArray first = Nd4j.create(DataType.FLOAT, count * width, rows);
        INDArray[] pre = new INDArray[layers.length];
        INDArray[] act = new INDArray[layers.length];
        for (int l = 1; l < layers.length; l++) {
            pre[l] = Nd4j.create(DataType.FLOAT, layers[l].out(), rows);
            act[l - 1] = Nd4j.create(DataType.FLOAT, layers[l - 1].out(), rows);
        }
        // A view of the native result from Java, sized to the array (a pointer's limit is in
        // elements).
        FloatBuffer firstView =
                new FloatPointer(pointer(first)).position(0).limit(first.length()).asBuffer();
        return new Buffers(items, first, firstView, pre, act);
    }

    private void ensureScratch(int rows) {
        int widest = 0;
        for (DenseLayer layer : layers) {
            widest = Math.max(widest, layer.out());
        }
        if (act.length < widest * rows) {
            act = new float[widest * rows];
        }
        if (hidden.length < rows) {
            hidden = new float[rows];
            for (int t = 0; t < TASKS; t++) {
                headSums[t] = new float[rows];
            }
        }
    }

    private static FloatPointer pointer(INDArray array) {
        return (FloatPointer) array.data().addressPointer();
    }
}
