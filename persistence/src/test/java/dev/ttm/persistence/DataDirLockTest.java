package dev.ttm.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ttm.actors.TtmSystem;
import dev.ttm.protocol.model.Outcome;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A data directory is one system's: a second system started on it — in this process or in another — fails at once
 * with {@link DataDirectoryInUseException}, naming the directory and the process that holds it; closing the first
 * system, or its process dying, frees the directory.
 */
@ExtendWith(LogCapturingExtension.class)
class DataDirLockTest {
    /** Far below any timeout a start could otherwise run into (the ask timeout, the recovery timeout). */
    static final Duration AT_ONCE = Duration.ofSeconds(3);

    static Config config(Path dir) {
        return ConfigFactory.parseMap(java.util.Map.of("ttm.journal", "leveldb", "ttm.data-dir", dir.toString(), "pekko.loglevel", "INFO"))
                .withFallback(ConfigFactory.load());
    }

    @Test
    void aSecondSystemInThisProcessFailsAtOnceNamingTheDirectory(@TempDir Path dir) {
        try (TtmSystem first = TtmSystem.start(config(dir))) {
            long t0 = System.nanoTime();
            DataDirectoryInUseException e = assertThrows(DataDirectoryInUseException.class, () -> TtmSystem.start(config(dir)));
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            assertTrue(took.compareTo(AT_ONCE) < 0, "reported after " + took);
            assertTrue(e.sameProcess());
            assertEquals(ProcessHandle.current().pid(), e.holderPid().orElseThrow());
            assertEquals(dir.toAbsolutePath().normalize(), e.directory());
            assertTrue(e.getMessage().contains(dir.toAbsolutePath().normalize().toString()), e.getMessage());
            assertTrue(e.getMessage().contains("pid " + ProcessHandle.current().pid()), e.getMessage());
            // the first system is not disturbed
            assertEquals(Outcome.OK, RecoveryTest.join(first.create("A", 4096, null)).outcome());
        }
        try (TtmSystem again = TtmSystem.start(config(dir))) {
            assertEquals(1, (int) RecoveryTest.join(again.read(v -> v.bos().size())), "A was recovered");
        }
    }

    @Test
    void aDirectoryHeldByAnotherProcessIsReportedAtOnceNamingIt(@TempDir Path dir) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process holder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), LockHolder.class.getName(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked " + holder.pid(), out.readLine());

            long t0 = System.nanoTime();
            DataDirectoryInUseException e = assertThrows(DataDirectoryInUseException.class, () -> TtmSystem.start(config(dir)));
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            assertTrue(took.compareTo(AT_ONCE) < 0, "reported after " + took);
            assertFalse(e.sameProcess());
            assertEquals(holder.pid(), e.holderPid().orElseThrow());
            assertTrue(e.getMessage().contains(dir.toAbsolutePath().normalize().toString()), e.getMessage());
            assertTrue(e.getMessage().contains("pid " + holder.pid()), e.getMessage());
            assertFalse(Files.exists(dir.resolve("journal")), "the journal was not touched");
        } finally {
            holder.destroyForcibly(); // a crash: the lock file stays, naming a dead process; the lock itself goes
            assertTrue(holder.waitFor(10, TimeUnit.SECONDS));
        }
        try (TtmSystem ttm = TtmSystem.start(config(dir))) {
            assertEquals(Outcome.OK, RecoveryTest.join(ttm.create("A", 4096, null)).outcome());
        }
    }
}
