package io.mtrec.flink.cli;

import io.mtrec.flink.config.JobConfig;
import io.mtrec.flink.config.Setting;
import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.config.Param;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;

/** The {@code ./mtrec} command line. */
public final class Main {
    private static final String USAGE =
            """
            usage: ./mtrec <command> [options]

            commands:
              demo       [--duration 60s] [--summary FILE] [--rate N] [--<setting> VALUE ...]
                         Kafka broker in-process + local Flink + synthetic events, live metrics.
              generate   --bootstrap-servers HOST:PORT [--rate N] [--events N]
                         Stream planted-truth synthetic events into a Kafka cluster.
              eval       --synthetic [--users N] [--items N] [--latent-dim L] [--events N]
                         [--last-events N] [--compare-single-task] [--summary FILE]
                         [--replicas K --sync-every N --sync-merge sum|average-dense|average]
                         Train model-core on the planted-truth stream, no Flink; report
                         progressive metrics of the last N events beside the Bayes-optimal ones
                         (with K replicas exchanging deltas every N batches each: pooled).
              scores     --bootstrap-servers HOST:PORT [--follow] [--user ID]
                         Pretty-print the score topic.
              bench-model [--summary FILE] [--quick] [--architecture shared-bottom,mmoe]
                         JMH: model-core training step, events/s/core.
              bench      [--saturation-events N] [--rate N] [--duration 105s] [--warmup 45s] [--summary FILE]
                         The job end to end on a real broker: events/s at saturation, event-to-
                         score latency p50/p99 at a fixed rate, state bytes per user.
              settings   List every job setting with its default and what is allowed.
            """;

    private Main() {}

    public static void main(String[] argv) throws Exception {
        System.exit(run(argv, System.out, System.err));
    }

    static int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        if (argv.length == 0 || argv[0].equals("help") || argv[0].equals("--help")) {
            out.print(USAGE);
            return argv.length == 0 ? 2 : 0;
        }
        Args args = Args.parse(Arrays.copyOfRange(argv, 1, argv.length));
        try {
            switch (argv[0]) {
                case "demo" -> new DemoCommand(out).run(args);
                case "generate" -> new GenerateCommand(out).run(args);
                case "eval" -> new EvalCommand(out).run(args);
                case "scores" -> new ScoresCommand(out).run(args);
                case "bench-model" -> new BenchModelCommand(out).run(args);
                case "bench" -> new BenchCommand(out).run(args);
                case "settings" -> printSettings(out);
                default -> {
                    err.println("unknown command '" + argv[0] + "'");
                    err.print(USAGE);
                    return 2;
                }
            }
        } catch (IllegalArgumentException e) {
            err.println("mtrec " + argv[0] + ": " + e.getMessage());
            return 2;
        }
        return 0;
    }

    static void printSettings(PrintStream out) {
        for (Setting<?> s : JobConfig.SETTINGS) {
            out.printf(
                    Locale.ROOT,
                    "%-32s default %-16s %s (%s)%n",
                    s.name(),
                    s.defaultValue() == null ? "(required)" : s.defaultValue(),
                    s.doc(),
                    s.allowed());
        }
        for (Param<?> p : ModelConfig.PARAMS) {
            printParam(out, p);
        }
    }

    private static <T> void printParam(PrintStream out, Param<T> p) {
        out.printf(
                Locale.ROOT,
                "%-32s default %-16s %s (%s)%n",
                "model." + p.name(),
                p.format(p.defaultValue()),
                p.doc(),
                p.allowed());
    }
}
