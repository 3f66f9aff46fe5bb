package dev.ttm.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ttm.actors.TtmSystem;
import dev.ttm.actors.runtime.Guardian;
import dev.ttm.protocol.journal.JournalFormat;
import dev.ttm.protocol.journal.Recorded;
import dev.ttm.protocol.journal.SimRecorder;
import dev.ttm.protocol.model.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Writes a run recorded elsewhere (the simulator's, {@link SimRecorder}) into a LevelDB journal in a data directory,
 * through Pekko Persistence, exactly as the actor runtime journals one: the same persistence ids, the same
 * {@link Recorded} entries, the registry and the run's record; a reader cannot tell them apart. The directory must not
 * hold a journal yet.
 */
public final class JournalWriter {
    /** Events per write (one LevelDB batch each). */
    static final int CHUNK = 512;
    static final Duration WRITE_TIMEOUT = Duration.ofSeconds(60);
    static final String PLUGIN = Journals.JOURNAL;

    private JournalWriter() {}

    /** Whether {@code dataDir} already holds a journal (a non-empty {@code journal} directory). */
    public static boolean holdsJournal(Path dataDir) {
        Path j = dataDir.resolve("journal");
        if (!Files.isDirectory(j)) return false;
        try (Stream<Path> s = Files.list(j)) {
            return s.findAny().isPresent();
        } catch (IOException e) {
            return true;
        }
    }

    public static void write(Path dataDir, SimRecorder.Journal journal) {
        if (holdsJournal(dataDir)) throw new IllegalArgumentException(dataDir.resolve("journal") + " already holds a journal");
        try (DataDirLock lock = DataDirLock.acquire(dataDir)) {
            Config base = ConfigFactory.parseString("""
                    pekko.loglevel = WARNING
                    pekko.stdout-loglevel = OFF
                    pekko.log-dead-letters = off
                    pekko.log-dead-letters-during-shutdown = off
                        pekko.persistence.snapshot-store.plugin = "pekko.persistence.no-snapshot-store"
                    """).withFallback(ConfigFactory.load());
            ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "ttm-journal-writer", Journals.forDataDir(dataDir, base));
            try {
                write(system, JournalFormat.RUNS_PID, List.of(journal.run()));
                List<Object> registry = new ArrayList<>();
                for (String bo : journal.bos()) registry.add(new Guardian.BoRegistered(bo));
                for (long upTo : journal.execIdBlocks()) registry.add(new Guardian.ExecIdsReserved(upTo));
                if (!registry.isEmpty()) write(system, JournalFormat.REGISTRY_PID, registry);
                for (Map.Entry<Address, List<Recorded>> e : journal.entries().entrySet())
                    write(system, JournalFormat.pid(e.getKey()), new ArrayList<>(e.getValue()));
            } finally {
                system.terminate();
                await(system.getWhenTerminated().toCompletableFuture(), "stopping the journal writer");
            }
            writeStopMarker(dataDir, journal);
        }
    }

    /** A simulator run is over when its journal is written: it stopped cleanly, as a closed system's run has. */
    private static void writeStopMarker(Path dataDir, SimRecorder.Journal journal) {
        long last = journal.run().afterStamp();
        for (List<Recorded> rs : journal.entries().values()) for (Recorded r : rs) last = Math.max(last, r.stamp());
        try {
            Files.writeString(dataDir.resolve(TtmSystem.STOP_MARKER), TtmSystem.stopMarkerText(journal.run().runId(), last));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dataDir.resolve(TtmSystem.STOP_MARKER) + ": " + e.getMessage(), e);
        }
    }

    private static void write(ActorSystem<Void> system, String pid, List<Object> events) {
        ActorRef<PidWriter.Write> w = system.systemActorOf(PidWriter.create(pid, PLUGIN), "writer-" + Integer.toHexString(pid.hashCode()) + "-" + System.nanoTime(),
                org.apache.pekko.actor.typed.Props.empty());
        for (int from = 0; from < events.size(); from += CHUNK) {
            List<Object> chunk = List.copyOf(events.subList(from, Math.min(events.size(), from + CHUNK)));
            await(AskPattern.<PidWriter.Write, Long>ask(w, r -> new PidWriter.Write(chunk, r), WRITE_TIMEOUT, system.scheduler()).toCompletableFuture(),
                    "writing the journal of " + pid);
        }
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f, String what) {
        try {
            return f.get(WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + what, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(what + " failed: " + e, e);
        }
    }
}
