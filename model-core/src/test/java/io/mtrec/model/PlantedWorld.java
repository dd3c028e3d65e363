package io.mtrec.model;

import io.mtrec.model.sampling.SplitMix64;

import java.util.ArrayList;
import java.util.List;

/**
 * A small world with planted low-rank truth for tests: users and items have hidden factor vectors;
 * P(click | impression) = sigmoid(scale * p_u . q_i + bias), P(purchase | click) and the rating
 * follow other projections of the same factors.
 */
final class PlantedWorld {
    private final int users;
    private final int items;
    private final int rank;
    private final double[][] userFactors;
    private final double[][] itemFactors;
    private final SplitMix64 rng;
    private final double ratingShare;
    private long time;
    private long nextEvent;

    PlantedWorld(int users, int items, int rank, long seed, double ratingShare) {
        this.users = users;
        this.items = items;
        this.rank = rank;
        this.rng = new SplitMix64(seed);
        this.ratingShare = ratingShare;
        this.userFactors = factors(users);
        this.itemFactors = factors(items);
        this.time = 1_000_000L;
    }

    private double[][] factors(int n) {
        double[][] f = new double[n][rank];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < rank; k++) {
                f[i][k] = rng.nextGaussian();
            }
        }
        return f;
    }

    double affinity(int u, int i) {
        double s = 0;
        for (int k = 0; k < rank; k++) {
            s += userFactors[u][k] * itemFactors[i][k];
        }
        return s / Math.sqrt(rank);
    }

    double clickProbability(int u, int i) {
        return 1 / (1 + Math.exp(-(2.0 * affinity(u, i) - 1.0)));
    }

    double purchaseProbability(int u, int i) {
        return 1 / (1 + Math.exp(-(1.5 * affinity(u, i) - 0.5)));
    }

    double rating(int u, int i) {
        return Math.max(1, Math.min(5, 3 + 1.2 * affinity(u, i)));
    }

    /** The true P(click) of an impression or click event of this world. */
    double clickProbability(Interaction event) {
        return clickProbability(
                Integer.parseInt(event.userId().substring(1)),
                Integer.parseInt(event.itemId().substring(1)));
    }

    static String user(int u) {
        return "u" + u;
    }

    static String item(int i) {
        return "i" + i;
    }

    /** Next {@code size} events; clicks may be followed by a purchase a few seconds later. */
    List<Interaction> nextBatch(int size) {
        List<Interaction> batch = new ArrayList<>(size + 8);
        while (batch.size() < size) {
            int u = rng.nextInt(users);
            int i = rng.nextInt(items);
            time += 1_000;
            String id = "e" + nextEvent++;
            if (rng.nextDouble() < ratingShare) {
                batch.add(Interaction.rating(id, user(u), item(i), time, (float) rating(u, i)));
            } else if (rng.nextDouble() < clickProbability(u, i)) {
                batch.add(Interaction.click(id, user(u), item(i), time));
                if (rng.nextDouble() < purchaseProbability(u, i)) {
                    batch.add(Interaction.purchase("p" + id, user(u), item(i), time + 500));
                }
            } else {
                batch.add(Interaction.impression(id, user(u), item(i), time));
            }
        }
        return batch;
    }
}
