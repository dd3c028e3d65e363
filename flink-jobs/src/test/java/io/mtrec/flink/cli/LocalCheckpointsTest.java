package io.mtrec.flink.cli;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class LocalCheckpointsTest {

    @Test
    void configuresFileSystemCheckpointsInItsOwnDirectory() throws Exception {
        try (LocalCheckpoints checkpoints = LocalCheckpoints.create()) {
            Configuration conf = checkpoints.configure(new Configuration());

            assertThat(conf.get(CheckpointingOptions.CHECKPOINT_STORAGE)).isEqualTo("filesystem");
            assertThat(conf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY))
                    .isEqualTo(checkpoints.dir().toUri().toString());
            assertThat(checkpoints.dir()).isDirectory().isEmptyDirectory();
        }
    }

    @Test
    void closeDeletesTheDirectoryWithTheCheckpointsInIt() throws Exception {
        LocalCheckpoints checkpoints = LocalCheckpoints.create();
        Path chk = Files.createDirectories(checkpoints.dir().resolve("job/chk-1"));
        Files.write(chk.resolve("_metadata"), new byte[] {1, 2, 3});

        checkpoints.close();

        assertThat(checkpoints.dir()).doesNotExist();
    }
}
