package io.mtrec.flink.cli;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.FileUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checkpoints of an in-process MiniCluster written to a temporary directory, deleted on {@link
 * #close()}.
 *
 * <p>Without a checkpoint storage, a MiniCluster keeps checkpoints in the JobManager's memory,
 * which refuses a task whose state is over 5 MB: a trainer with a few thousand users (rows,
 * optimizer slots, held clicks, recent items) and its item table passes that within minutes, and
 * every checkpoint after fails the job.
 */
public final class LocalCheckpoints implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalCheckpoints.class);

    private final Path dir;

    private LocalCheckpoints(Path dir) {
        this.dir = dir;
    }

    /** A fresh temporary directory for checkpoints. */
    public static LocalCheckpoints create() throws IOException {
        return new LocalCheckpoints(Files.createTempDirectory("mtrec-checkpoints-"));
    }

    /** Sets file-system checkpoint storage under this directory in {@code conf}; returns it. */
    public Configuration configure(Configuration conf) {
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir.toUri().toString());
        return conf;
    }

    public Path dir() {
        return dir;
    }

    /**
     * Deletes the directory and every checkpoint in it. A cancelled job's last asynchronous
     * checkpoint may still be writing here, so a failed attempt is retried a few times; what cannot
     * be deleted is left behind with a warning rather than failing a finished run.
     */
    @Override
    public void close() {
        for (int attempt = 1; ; attempt++) {
            try {
                FileUtils.deleteDirectory(dir.toFile());
                return;
            } catch (IOException e) {
                if (attempt == 5) {
                    LOG.warn("could not delete the checkpoint directory {}", dir, e);
                    return;
                }
            }
            try {
                Thread.sleep(200L * attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
