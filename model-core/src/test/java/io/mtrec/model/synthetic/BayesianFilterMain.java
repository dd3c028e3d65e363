package io.mtrec.model.synthetic;

import io.mtrec.model.Interaction;

import java.lang.reflect.Field;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Diagnostic: a one-pass Bayesian filter on the planted stream that knows the model class (latent
 * dim, link functions, global constants, priors). Per user a Gaussian over (p_u, r_u), per item
 * over (q_i, t_i, b_i, c_i, d_i); each event is predicted (posterior predictive: moderated sigmoid,
 * clipped-normal mean) and then folded in by mean-field assumed-density filtering (extended Kalman
 * step for logistic labels, Kalman for ratings with probit-style moments at the clipping bounds;
 * each side linearised at the other's mean). {@code items=known} fixes every item parameter at its
 * truth (only users are learned). Purchase labels are learned when they resolve (the purchase, or
 * the end of the click's 120 s window). Figures over the last {@code last} events, from the same
 * batch boundary as the evaluation. Options: {@code dim=K} (model dims, default the planted one),
 * {@code diagonal=true} (keep only variances: a per-value precision, as Adagrad keeps), {@code
 * init}, {@code prior}, {@code syn.<key>}.
 *
 * <p>Measured 2026-12-02 (dense stream, 1M events, last 100k; Bayes 0.8033 / 0.8189 / 0.4625):
 * items known 0.8016 / 0.8020 / 0.4687; learned 0.7994 / 0.7794 / 0.4797; learned, diagonal 0.7962
 * / 0.7705 / 0.4930; learned, dim 16: 0.7982 / 0.7780 / 0.4839.
 */
public final class BayesianFilterMain {
    private static int L;
    private static int DU;
    private static int DI;
    private static boolean diagonal;

    public static void main(String[] args) throws Exception {
        long events = 1_000_000;
        long last = 100_000;
        int batch = 512;
        long window = 120_000;
        boolean knownItems = false;
        int modelDim = 0;
        double initStd = 0.1;
        double priorScale = 1.0;
        Map<String, String> syn = new LinkedHashMap<>();
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            switch (kv[0]) {
                case "events" -> events = Long.parseLong(kv[1]);
                case "last" -> last = Long.parseLong(kv[1]);
                case "items" -> knownItems = kv[1].equals("known");
                case "init" -> initStd = Double.parseDouble(kv[1]);
                case "dim" -> modelDim = Integer.parseInt(kv[1]);
                case "prior" -> priorScale = Double.parseDouble(kv[1]);
                case "diagonal" -> diagonal = Boolean.parseBoolean(kv[1]);
                default -> syn.put(kv[0].replace("syn.", ""), kv[1]);
            }
        }
        SyntheticConfig config = SyntheticConfig.fromMap(syn);
        SyntheticGenerator gen = new SyntheticGenerator(config, 1000);
        PlantedTruth t = gen.truth();
        L = modelDim > 0 ? modelDim : t.latentDim();
        if (knownItems && L != t.latentDim()) {
            throw new IllegalArgumentException("known items need dim = the planted latent dim");
        }
        DU = 2 * L;
        DI = 2 * L + 3;
        double prior = priorScale / Math.sqrt(L);
        int users = t.users();
        int items = t.items();
        double[][] mu = new double[users][DU];
        double[][] su = new double[users][DU * DU];
        double[][] mi = new double[items][DI];
        double[][] si = new double[items][DI * DI];
        SplittableRandom rng = new SplittableRandom(7);
        for (int u = 0; u < users; u++) {
            for (int k = 0; k < DU; k++) {
                su[u][k * DU + k] = prior;
                mu[u][k] = initStd * gauss(rng);
            }
        }
        double[] q = field(t, "itemFactors");
        double[] tp = field(t, "itemPurchaseFactors");
        double[] bClick = field(t, "itemClickBias");
        double[] bPurch = field(t, "itemPurchaseBias");
        double[] bRating = field(t, "itemRatingBias");
        for (int i = 0; i < items; i++) {
            if (knownItems) {
                for (int k = 0; k < L; k++) {
                    mi[i][k] = q[i * L + k];
                    mi[i][L + k] = tp[i * L + k];
                }
                mi[i][2 * L] = bClick[i];
                mi[i][2 * L + 1] = bPurch[i];
                mi[i][2 * L + 2] = bRating[i];
                continue; // zero covariance: never moves
            }
            for (int k = 0; k < 2 * L; k++) {
                si[i][k * DI + k] = prior;
                mi[i][k] = initStd * gauss(rng);
            }
            si[i][2 * L * DI + 2 * L] = sq(config.clickItemBiasStd());
            si[i][(2 * L + 1) * DI + 2 * L + 1] = sq(config.purchaseItemBiasStd());
            si[i][(2 * L + 2) * DI + 2 * L + 2] = sq(config.ratingItemBiasStd());
        }
        double clickBias = config.clickBias();
        double clickStrength = config.clickStrength();
        double purchaseBias = config.purchaseBias();
        double purchaseStrength = config.purchaseStrength();
        double w = config.purchaseSharedWeight();
        double own = Math.sqrt(1 - w * w);
        double lo = config.ratingMin();
        double hi = config.ratingMax();
        double center = (lo + hi) / 2 + config.ratingBias();
        double rs = config.ratingStrength();
        double noiseVar = sq(config.ratingNoise());
        long tailStart = ((Math.max(0, events - last) + batch - 1) / batch) * batch;
        double[] clickPred = new double[(int) last * 2];
        boolean[] clickLabel = new boolean[clickPred.length];
        int nClick = 0;
        double[] purchPred = new double[(int) last];
        boolean[] purchLabel = new boolean[purchPred.length];
        int nPurch = 0;
        double sse = 0;
        int nRating = 0;
        ArrayDeque<long[]> pending = new ArrayDeque<>();
        Map<Long, ArrayDeque<long[]>> byPair = new HashMap<>();
        double[] xu = new double[DU];
        double[] xi = new double[DI];
        Step step = new Step();
        for (long n = 1; n <= events; n++) {
            Interaction e = gen.next().interaction();
            int u = Integer.parseInt(e.userId().substring(1));
            int i = Integer.parseInt(e.itemId().substring(1));
            long time = e.eventTime();
            boolean tail = n > tailStart;
            while (!pending.isEmpty() && pending.peekFirst()[0] + window < time) {
                long[] p = pending.pollFirst();
                if (p[4] == 1) {
                    continue;
                }
                int pu = (int) p[1];
                int pi = (int) p[2];
                byPair.get(p[1] * 1_000_000 + p[2]).remove(p);
                purchaseX(xu, xi, mu[pu], mi[pi], purchaseStrength * w, purchaseStrength * own);
                step.prepare(mu[pu], su[pu], xu, mi[pi], si[pi], xi, purchaseBias);
                step.logistic(0);
            }
            switch (e.kind()) {
                case IMPRESSION, CLICK -> {
                    boolean clicked = e.kind() == Interaction.Kind.CLICK;
                    clickX(xu, xi, mu[u], mi[i], clickStrength, 2 * L);
                    step.prepare(mu[u], su[u], xu, mi[i], si[i], xi, clickBias);
                    if (tail) {
                        clickPred[nClick] = step.moderated();
                        clickLabel[nClick++] = clicked;
                    }
                    step.logistic(clicked ? 1 : 0);
                    if (clicked) {
                        purchaseX(
                                xu, xi, mu[u], mi[i], purchaseStrength * w, purchaseStrength * own);
                        step.prepare(mu[u], su[u], xu, mi[i], si[i], xi, purchaseBias);
                        long slot = -1;
                        if (tail) {
                            slot = nPurch;
                            purchPred[nPurch++] = step.moderated();
                        }
                        long[] p = {time, u, i, slot, 0};
                        pending.addLast(p);
                        byPair.computeIfAbsent((long) u * 1_000_000 + i, k -> new ArrayDeque<>())
                                .addLast(p);
                    }
                }
                case PURCHASE -> {
                    ArrayDeque<long[]> list = byPair.get((long) u * 1_000_000 + i);
                    long[] p = list == null ? null : list.pollFirst();
                    if (p != null) {
                        p[4] = 1;
                        if (p[3] >= 0) {
                            purchLabel[(int) p[3]] = true;
                        }
                        purchaseX(
                                xu, xi, mu[u], mi[i], purchaseStrength * w, purchaseStrength * own);
                        step.prepare(mu[u], su[u], xu, mi[i], si[i], xi, purchaseBias);
                        step.logistic(1);
                    }
                }
                case RATING -> {
                    clickX(xu, xi, mu[u], mi[i], rs, 2 * L + 2);
                    step.prepare(mu[u], su[u], xu, mi[i], si[i], xi, center);
                    double y = e.value();
                    if (tail) {
                        double pred =
                                Normal.clippedMean(step.f, Math.sqrt(noiseVar + step.v), lo, hi);
                        sse += (pred - y) * (pred - y);
                        nRating++;
                    }
                    step.rating(y, noiseVar, lo, hi);
                }
                default -> {}
            }
        }
        System.out.printf(
                "bayes filter (dim %d, items %s, init %.2f, prior x%.2f, diagonal %b): click AUC %.4f (n %d) | purchase"
                        + " AUC %.4f (n %d) | rating RMSE %.4f (n %d)%n",
                L,
                knownItems ? "known" : "learned",
                initStd,
                priorScale,
                diagonal,
                DiagnosticAuc.auc(clickPred, clickLabel, nClick),
                nClick,
                DiagnosticAuc.auc(purchPred, purchLabel, nPurch),
                nPurch,
                Math.sqrt(sse / nRating),
                nRating);
    }

    /** Features of a p.q term with strength s and the item bias at {@code biasIndex}. */
    private static void clickX(
            double[] xu, double[] xi, double[] mu, double[] mi, double s, int biasIndex) {
        Arrays.fill(xu, 0);
        Arrays.fill(xi, 0);
        for (int k = 0; k < L; k++) {
            xu[k] = s * mi[k];
            xi[k] = s * mu[k];
        }
        xi[biasIndex] = 1;
    }

    private static void purchaseX(
            double[] xu, double[] xi, double[] mu, double[] mi, double sw, double so) {
        Arrays.fill(xu, 0);
        Arrays.fill(xi, 0);
        for (int k = 0; k < L; k++) {
            xu[k] = sw * mi[k];
            xi[k] = sw * mu[k];
            xu[L + k] = so * mi[L + k];
            xi[L + k] = so * mu[L + k];
        }
        xi[2 * L + 1] = 1;
    }

    /** One event's predictive moments and its mean-field ADF update of both sides. */
    private static final class Step {
        double[] mu, su, xu, mi, si, xi;
        double[] gu = new double[DU];
        double[] gi = new double[DI];
        double f;
        double v;

        void prepare(
                double[] mu,
                double[] su,
                double[] xu,
                double[] mi,
                double[] si,
                double[] xi,
                double a) {
            this.mu = mu;
            this.su = su;
            this.xu = xu;
            this.mi = mi;
            this.si = si;
            this.xi = xi;
            // f = a + (bilinear term) + bias: the bilinear term is xu.mu_factor-part; compute it
            // from the user side (xu holds s * item means), the bias from the item side.
            double bilinear = 0;
            for (int k = 0; k < DU; k++) {
                bilinear += xu[k] * mu[k];
            }
            double bias = 0;
            for (int k = 2 * L; k < DI; k++) {
                bias += xi[k] * mi[k];
            }
            f = a + bilinear + bias;
            v = quad(su, xu, gu, DU) + quad(si, xi, gi, DI);
        }

        private static double quad(double[] s, double[] x, double[] sx, int d) {
            double v = 0;
            for (int r = 0; r < d; r++) {
                double acc = 0;
                for (int c = 0; c < d; c++) {
                    acc += s[r * d + c] * x[c];
                }
                sx[r] = acc;
                v += x[r] * acc;
            }
            return v;
        }

        double moderated() {
            return PlantedTruth.sigmoid(f / Math.sqrt(1 + Math.PI * v / 8));
        }

        void logistic(int y) {
            double p = moderated();
            double lambda = p * (1 - p);
            double k = 1 / (1 + lambda * v);
            apply((y - p) * k, lambda * k);
        }

        void rating(double y, double noiseVar, double lo, double hi) {
            double total = noiseVar + v;
            if (y > lo && y < hi) {
                apply((y - f) / total, 1 / total);
                return;
            }
            double sign = y >= hi ? 1 : -1;
            double sd = Math.sqrt(total);
            double z = sign * (f - (y >= hi ? hi : lo)) / sd;
            double ratio = Normal.pdf(z) / Math.max(1e-300, Normal.cdf(z));
            apply(sign * ratio / sd, ratio * (ratio + z) / total);
        }

        private void apply(double gain, double shrink) {
            for (int r = 0; r < DU; r++) {
                mu[r] += gu[r] * gain;
            }
            for (int r = 0; r < DI; r++) {
                mi[r] += gi[r] * gain;
            }
            for (int r = 0; r < DU; r++) {
                for (int c = 0; c < DU; c++) {
                    su[r * DU + c] -= gu[r] * gu[c] * shrink;
                }
            }
            for (int r = 0; r < DI; r++) {
                for (int c = 0; c < DI; c++) {
                    si[r * DI + c] -= gi[r] * gi[c] * shrink;
                }
            }
            if (diagonal) {
                // keep only the variances (a per-value precision, as Adagrad keeps per value)
                for (int r = 0; r < DU; r++) {
                    for (int c = 0; c < DU; c++) {
                        if (r != c) {
                            su[r * DU + c] = 0;
                        }
                    }
                }
                for (int r = 0; r < DI; r++) {
                    for (int c = 0; c < DI; c++) {
                        if (r != c) {
                            si[r * DI + c] = 0;
                        }
                    }
                }
            }
        }
    }

    private static double sq(double x) {
        return x * x;
    }

    private static double gauss(SplittableRandom rng) {
        return Normal.sample(rng);
    }

    private static double[] field(PlantedTruth t, String name) throws Exception {
        Field f = PlantedTruth.class.getDeclaredField(name);
        f.setAccessible(true);
        return (double[]) f.get(t);
    }
}
