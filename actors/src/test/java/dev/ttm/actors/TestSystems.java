package dev.ttm.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Configurations and helpers for tests that start a {@link TtmSystem}. */
final class TestSystems {
    private TestSystems() {}

    /** A small device on the in-memory journal, its data directory (snapshots) in a fresh temporary directory. */
    static Config small(String extra) {
        return ConfigFactory.parseString(extra + "\n" + """
                ttm {
                  journal = memory
                  data-dir = "%s"
                  regions = [
                    { name = VRAM, size = 1MiB, visible = 256KiB }
                    { name = TT, size = 2MiB }
                  ]
                }
                pekko.loglevel = INFO
                """.formatted(tempDir().toString().replace("\\", "/"))).withFallback(ConfigFactory.load());
    }

    static Path tempDir() {
        try {
            Path d = Files.createTempDirectory("ttm-test");
            d.toFile().deleteOnExit();
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The stage's value, within 30 s (a test that waits longer has hung). */
    static <T> T join(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException e) {
            throw new AssertionError("failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("no answer within 30 s", e);
        }
    }
}
