package io.mtrec.flink.cli;

import io.mtrec.model.bench.LearnerStepFixture;
import io.mtrec.model.bench.ModelBenchmarks;
import io.mtrec.model.bench.ModelBenchmarks.StepResult;
import io.mtrec.model.bench.StateSizeProbe;
import io.mtrec.model.layers.Nd4jRuntime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./mtrec bench-model [--summary FILE] [--quick] [--forks N] [--batch 256,1024] [--dim 32]
 * [--architecture shared-bottom,mmoe]}: runs model-core's JMH training-step benchmark through the
 * JMH Runner (both architectures unless told), prints a table, measures state bytes per user row,
 * and writes a JSON summary with the machine it ran on. Shared-bottom points keep their historical
 * keys; MMoE points carry an {@code _mmoe} suffix.
 *
 * <p>Each benchmark point forks one JVM by default: JMH starts it with this JVM's class path and
 * arguments, which {@code ./mtrec} sets to the flink-jobs class path including provided jars
 * (jmh-core among them), so forking works from the CLI and keeps each point's JIT profile its own.
 */
public final class BenchModelCommand {
    /** The point that {@code step_events_per_sec_per_core} reports. */
    static final int HEADLINE_BATCH = 1024;

    static final int HEADLINE_DIM = 32;

    /** Users added when measuring state per row: 16 * 2^13, so the row arrays end full. */
    static final int STATE_USERS = 131_072;

    private final PrintStream out;

    public BenchModelCommand(PrintStream out) {
        this.out = out;
    }

    public Map<String, Object> run(Args args) throws Exception {
        boolean quick = Boolean.parseBoolean(args.take("quick", "false"));
        String summaryFile = args.take("summary", null);
        ModelBenchmarks.Settings base =
                quick ? ModelBenchmarks.Settings.quick() : ModelBenchmarks.Settings.full();
        int forks = args.takeInt("forks", base.forks());
        if (forks < 0) {
            throw new IllegalArgumentException("--forks must be >= 0, got " + forks);
        }
        List<String> batches = list(args.take("batch", null));
        List<String> dims = list(args.take("dim", null));
        List<String> architectures = list(args.take("architecture", null));
        if (!args.remaining().isEmpty()) {
            throw new IllegalArgumentException(
                    "unknown options for bench-model: " + args.remaining().keySet());
        }
        ModelBenchmarks.Settings settings =
                new ModelBenchmarks.Settings(
                        forks,
                        base.warmupIterations(),
                        base.warmupTime(),
                        base.measurementIterations(),
                        base.measurementTime(),
                        batches,
                        dims,
                        architectures);
        Map<String, Object> machine = machine();
        out.printf(
                Locale.ROOT,
                "bench-model: %s; forks %d, warm-up %d x %s, measured %d x %s%n",
                machine,
                settings.forks(),
                settings.warmupIterations(),
                settings.warmupTime(),
                settings.measurementIterations(),
                settings.measurementTime());

        List<StepResult> rows = ModelBenchmarks.runStep(settings);

        out.println();
        out.println("MultiTaskLearner.learn, one thread (per core); mean ± 99.9% CI half-width");
        out.printf(
                Locale.ROOT,
                "%-13s %6s %4s %3s  %20s  %22s  %22s%n",
                "architecture",
                "batch",
                "d",
                "k",
                "steps/s",
                "events/s/core",
                "examples/s/core");
        for (StepResult r : rows) {
            out.printf(
                    Locale.ROOT,
                    "%-13s %6d %4d %3d  %20s  %22s  %22s%n",
                    r.architecture(),
                    r.batch(),
                    r.dim(),
                    r.negatives(),
                    plusMinus(r.stepsPerSec(), r.stepsPerSecError(), 1),
                    plusMinus(r.eventsPerSec(), r.eventsPerSecError(), 0),
                    plusMinus(r.examplesPerSec(), r.examplesPerSecError(), 0));
        }

        Map<String, Object> summary = new LinkedHashMap<>();
        for (StepResult r : rows) {
            if (r.batch() == HEADLINE_BATCH
                    && r.dim() == HEADLINE_DIM
                    && r.architecture().equals("shared-bottom")) {
                summary.put("step_events_per_sec_per_core", Math.round(r.eventsPerSec()));
                summary.put("step_events_per_sec_per_core_error", round(r.eventsPerSecError()));
            }
        }
        for (StepResult r : rows) {
            String point =
                    "_b"
                            + r.batch()
                            + "_d"
                            + r.dim()
                            + (r.architecture().equals("shared-bottom") ? "" : "_mmoe");
            String key = "step_events_per_sec_per_core" + point;
            summary.put(key, Math.round(r.eventsPerSec()));
            summary.put(key + "_error", round(r.eventsPerSecError()));
            summary.put("step_ms" + point, round(1e3 / r.stepsPerSec()));
        }
        summary.put("negatives_per_positive", rows.isEmpty() ? null : rows.get(0).negatives());

        List<Integer> stateDims =
                dims.isEmpty()
                        ? List.of(HEADLINE_DIM)
                        : dims.stream().map(Integer::parseInt).toList();
        for (int d : stateDims) {
            StateSizeProbe.RowSize size =
                    StateSizeProbe.measure(LearnerStepFixture.modelConfig(d, 4), STATE_USERS);
            out.printf(
                    Locale.ROOT,
                    "state per user row, d=%d: %d B of row arrays; %.0f B on the heap with the id"
                            + " index and id string (measured over %,d users)%n",
                    d,
                    size.arrayBytes(),
                    size.heapBytes(),
                    size.users());
            String suffix = d == HEADLINE_DIM ? "" : "_d" + d;
            summary.put("state_bytes_per_user_row" + suffix, Math.round(size.heapBytes()));
            summary.put("state_array_bytes_per_user_row" + suffix, size.arrayBytes());
        }
        // Read after a learner exists in this JVM: creating one sets OpenBLAS to one thread.
        machine.put("blas_threads", Nd4jRuntime.blasThreads());
        summary.put("quick", quick);
        summary.put("forks", settings.forks());
        summary.put("machine", machine);

        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        out.println(json.writeValueAsString(summary));
        if (summaryFile != null) {
            json.writeValue(Path.of(summaryFile).toFile(), summary);
        }
        return summary;
    }

    private static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("os.arch", System.getProperty("os.arch"));
        m.put("os.name", System.getProperty("os.name"));
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        return m;
    }

    private static List<String> list(String csv) {
        return csv == null
                ? List.of()
                : Arrays.stream(csv.split(","))
                        .map(String::trim)
                        .filter(s -> !s.isEmpty())
                        .toList();
    }

    private static String plusMinus(double mean, double error, int decimals) {
        String format = "%,." + decimals + "f";
        String err = Double.isNaN(error) ? "?" : String.format(Locale.ROOT, format, error);
        return String.format(Locale.ROOT, format, mean) + " ± " + err;
    }

    /** Two decimals; null (JSON null) where JMH could not compute the value. */
    private static Double round(double v) {
        return Double.isFinite(v) ? Math.round(v * 100) / 100.0 : null;
    }
}
