package io.mtrec.model.synthetic;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SyntheticPlantedTruthTest {

    @Test
    void normalCdfMatchesTabulatedValues() {
        assertThat(Normal.cdf(0.0)).isCloseTo(0.5, within(1e-7));
        assertThat(Normal.cdf(1.959963985)).isCloseTo(0.975, within(1e-7));
        assertThat(Normal.cdf(-1.0)).isCloseTo(0.158655254, within(1e-7));
        assertThat(Normal.cdf(3.0)).isCloseTo(0.998650102, within(1e-7));
    }

    @Test
    void clippedNormalMeanMatchesNumericIntegration() {
        double mu = 4.6;
        double sigma = 0.7;
        double lo = 1.0;
        double hi = 5.0;
        // Midpoint rule over +-10 sigma of E[clip(X)].
        int steps = 200_000;
        double from = mu - 10 * sigma;
        double h = 20 * sigma / steps;
        double sum = 0;
        for (int k = 0; k < steps; k++) {
            double x = from + (k + 0.5) * h;
            sum += Math.min(hi, Math.max(lo, x)) * Normal.pdf((x - mu) / sigma) / sigma * h;
        }
        assertThat(Normal.clippedMean(mu, sigma, lo, hi)).isCloseTo(sum, within(1e-6));
    }

    @Test
    void clippedMeanWithoutNoiseIsTheClippedLocation() {
        assertThat(Normal.clippedMean(6.2, 0.0, 1.0, 5.0)).isEqualTo(5.0);
        assertThat(Normal.clippedMean(3.2, 0.0, 1.0, 5.0)).isEqualTo(3.2);
    }

    @Test
    void ratingMeanIsTheAverageOfDrawnRatingsUnderHeavyClipping() {
        // A high rating bias puts a large share of the mass on the top of the scale.
        SyntheticConfig c = SyntheticConfig.builder().ratingBias(1.6).ratingNoise(1.0).build();
        PlantedTruth truth = new PlantedTruth(c);
        SplittableRandom rng = new SplittableRandom(7);
        int n = 200_000;
        double sum = 0;
        double sumSq = 0;
        for (int k = 0; k < n; k++) {
            double r = truth.sampleRating(3, 5, rng);
            sum += r;
            sumSq += r * r;
        }
        double mean = sum / n;
        double standardError = Math.sqrt((sumSq / n - mean * mean) / n);
        assertThat(truth.ratingMean(3, 5)).isCloseTo(mean, within(4 * standardError));
        assertThat(truth.ratingMean(3, 5)).isLessThan(truth.ratingLocation(3, 5));
    }

    @Test
    void affinityHasUnitVarianceWhateverTheLatentDimension() {
        for (int dim : new int[] {4, 32}) {
            PlantedTruth truth = new PlantedTruth(SyntheticConfig.builder().latentDim(dim).build());
            double sum = 0;
            double sumSq = 0;
            int n = 0;
            for (int u = 0; u < 200; u++) {
                for (int i = 0; i < 200; i++) {
                    double a = truth.affinity(u, i);
                    sum += a;
                    sumSq += a * a;
                    n++;
                }
            }
            double variance = sumSq / n - (sum / n) * (sum / n);
            assertThat(variance).as("latent dim %d", dim).isCloseTo(1.0, within(0.2));
        }
    }

    @Test
    void purchaseAffinityCorrelatesWithClickAffinityByTheSharedWeight() {
        PlantedTruth truth = new PlantedTruth(SyntheticConfig.defaults());
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double syy = 0;
        double sxy = 0;
        int n = 0;
        for (int u = 0; u < 1000; u++) {
            for (int i = 0; i < 100; i++) {
                double x = truth.affinity(u, i);
                double y = truth.purchaseAffinity(u, i);
                sx += x;
                sy += y;
                sxx += x * x;
                syy += y * y;
                sxy += x * y;
                n++;
            }
        }
        double cov = sxy / n - (sx / n) * (sy / n);
        double corr =
                cov / Math.sqrt((sxx / n - (sx / n) * (sx / n)) * (syy / n - (sy / n) * (sy / n)));
        assertThat(corr).isCloseTo(0.7, within(0.05));
    }

    @Test
    void truthRejectsIndicesOutsideTheTables() {
        PlantedTruth truth = new PlantedTruth(SyntheticConfig.builder().users(10).items(5).build());
        assertThatThrownBy(() -> truth.clickProbability(10, 0))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> truth.purchaseProbability(0, 5))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> truth.ratingMean(-1, 0))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void itemFactorsDoNotDependOnTheNumberOfUsers() {
        PlantedTruth small = new PlantedTruth(SyntheticConfig.builder().users(10).build());
        PlantedTruth large = new PlantedTruth(SyntheticConfig.builder().users(5000).build());
        assertThat(small.itemFactors(17)).containsExactly(large.itemFactors(17));
        assertThat(small.userFactors(3)).containsExactly(large.userFactors(3));
    }

    @Test
    void zipfSamplerDrawsEachIndexWithItsShare() {
        ZipfSampler sampler = new ZipfSampler(5, 1.0);
        SplittableRandom rng = new SplittableRandom(1);
        int n = 500_000;
        int[] counts = new int[5];
        for (int k = 0; k < n; k++) {
            counts[sampler.sample(rng)]++;
        }
        double harmonic = 1 + 1 / 2.0 + 1 / 3.0 + 1 / 4.0 + 1 / 5.0;
        for (int i = 0; i < 5; i++) {
            double share = 1.0 / (i + 1) / harmonic;
            assertThat(sampler.share(i)).isCloseTo(share, within(1e-12));
            double se = Math.sqrt(share * (1 - share) / n);
            assertThat(counts[i] / (double) n).isCloseTo(share, within(5 * se));
        }
    }
}
