package io.mtrec.flink.cli;

import io.mtrec.flink.config.JobConfig;
import io.mtrec.schemas.ScoredItem;
import io.mtrec.schemas.TopicKind;
import io.mtrec.schemas.UserScores;
import io.mtrec.schemas.serde.AvroSerde;

import java.io.PrintStream;
import java.util.Locale;

/**
 * {@code ./mtrec scores --bootstrap-servers HOST:PORT [--follow] [--user ID]}: pretty-prints the
 * score topic, from its beginning; with {@code --follow} it keeps printing new records.
 */
public final class ScoresCommand {
    private final PrintStream out;

    public ScoresCommand(PrintStream out) {
        this.out = out;
    }

    public void run(Args args) {
        boolean follow = Boolean.parseBoolean(args.take("follow", "false"));
        String user = args.take("user", null);
        JobConfig config = args.jobConfig();
        String topic = config.topics().name(TopicKind.SCORES);
        try (TopicFollower<UserScores> follower =
                TopicFollower.of(
                        config.get(JobConfig.BOOTSTRAP_SERVERS),
                        topic,
                        AvroSerde.of(UserScores.class),
                        true,
                        s -> {
                            if (user == null || user.equals(s.getUserId())) {
                                print(s);
                            }
                        })) {
            if (follow) {
                Runtime.getRuntime().addShutdownHook(new Thread(follower::stop));
                follower.run();
            } else {
                follower.assignFromBeginning();
                follower.drain();
            }
        }
    }

    private void print(UserScores s) {
        out.printf(
                Locale.ROOT,
                "%s  model v%d  last event %s%n",
                s.getUserId(),
                s.getModelVersion(),
                s.getLastEventTime());
        for (ScoredItem i : s.getItems()) {
            out.printf(
                    Locale.ROOT,
                    "    %-12s score %.4f  click %.4f  purchase %.4f  rating %.2f%n",
                    i.getItemId(),
                    i.getScore(),
                    i.getClick(),
                    i.getPurchase(),
                    i.getRating());
        }
    }
}
