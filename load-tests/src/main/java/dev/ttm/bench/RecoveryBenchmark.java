package dev.ttm.bench;

import com.typesafe.config.ConfigFactory;
import dev.ttm.actors.TtmSystem;
import dev.ttm.actors.runtime.RecoveryReport;
import dev.ttm.persistence.DataDirLock;
import dev.ttm.persistence.JournalWriter;
import dev.ttm.persistence.NativeLevelDb;
import dev.ttm.persistence.Resumptions;
import dev.ttm.protocol.journal.Resumption;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Recovery time of the actor system: {@code TtmSystem.start(config)} on a LevelDB data directory of the simulator
 * benchmark's device (300 BOs, 3 regions, the IO manager), split into its parts.
 *
 * <ul>
 *   <li>{@code sim N}: a journal of at least N events recorded from the simulator benchmark's workload and written
 *       as {@code ttm run --journal} writes one ({@link ReplayBenchmark#generate}, {@link JournalWriter}): no snapshots,
 *       no stop marker (it looks like a crashed run: the start reclaims what the dead clients held).</li>
 *   <li>{@code runtime N SNAPSHOT_EVERY}: the actor runtime itself writes the journal under the {@link RuntimeLoad}
 *       workload until it holds at least N events, with {@code ttm.actors.snapshot-every} = SNAPSHOT_EVERY (0: no
 *       snapshots), and stops cleanly.</li>
 * </ul>
 *
 * <p>Then, on the same directory: (1) the fold for resumption alone ({@link Resumptions#plan}: read the journal and
 * fold it, as the start does first), twice; (2) {@code TtmSystem.start} three times, each closed again (the first
 * start of a {@code sim} directory resumes a crashed run: it reclaims; later ones find the stop marker), with the
 * {@link RecoveryReport}; (3) a start with {@code journal = none}: the actor system and the spawning alone. The
 * entities' own recovery is about start - plan - that baseline.
 *
 * <p>{@code java -Xms3g -Xmx3g -cp load-tests/target/ttm.jar dev.ttm.bench.RecoveryBenchmark sim 1000000}, or
 * {@code ... RecoveryBenchmark runtime 100000 1000}.
 */
public final class RecoveryBenchmark {
    private RecoveryBenchmark() {}

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "sim";
        long events = args.length > 1 ? Long.parseLong(args[1]) : 100_000;
        int snapshotEvery = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        int starts = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        Path dir = Files.createTempDirectory("ttm-recovery-bench-");
        try {
            long t0 = System.nanoTime();
            if (mode.equals("sim")) {
                ReplayBenchmark.Generated g = ReplayBenchmark.generate(events);
                JournalWriter.write(dir, g.journal());
                System.out.printf("sim journal: %,d entries, %,d events, written in %.1f s, %d MiB%n", g.entries().size(), g.events(),
                        (System.nanoTime() - t0) / 1e9, ReplayBenchmark.size(dir) >> 20);
            } else {
                System.setProperty("ttm.actors.snapshot-every", Integer.toString(snapshotEvery));
                ConfigFactory.invalidateCaches();
                RuntimeLoad load = new RuntimeLoad("leveldb", false, ActorRuntimeBenchmark.CLIENTS, ActorRuntimeBenchmark.WINDOW, "cores");
                Path written = load.dataDir();
                // About 2 events per operation on this workload.
                long ops = (events / 2 + 4_999) / 5_000 * 5_000;
                for (long done = 0; done < ops; done += 5_000) load.run(5_000);
                load.ttm.close();
                System.out.printf("runtime journal: %,d operations, %,d events, snapshot-every %d, written in %.1f s, %d MiB%n", ops, countEvents(written),
                        snapshotEvery, (System.nanoTime() - t0) / 1e9, ReplayBenchmark.size(written) >> 20);
                RuntimeLoad.deleteTree(dir);
                dir = written;
            }
            boolean useNative = NativeLevelDb.probe().loaded();
            for (int i = 0; i < 2; i++) {
                long p0 = System.nanoTime();
                Resumption plan;
                try (DataDirLock lock = DataDirLock.acquire(dir)) {
                    plan = Resumptions.plan(dir, SimulatorBenchmark.device(), useNative);
                }
                System.out.printf("plan (read + fold the whole journal): %.2f s (last stamp %d, %s)%n", (System.nanoTime() - p0) / 1e9, plan.lastStamp(),
                        plan.isEmpty() ? "nothing to resume" : plan.inFlight().size() + " in flight, " + plan.pendingRequests().size() + " pending");
            }
            for (int i = 0; i < starts; i++) {
                boolean marker = Files.exists(dir.resolve("ttm.stopped"));
                long s0 = System.nanoTime();
                TtmSystem ttm = TtmSystem.start(RuntimeLoad.config("leveldb", false, dir, "cores"));
                double s = (System.nanoTime() - s0) / 1e9;
                RecoveryReport r = ttm.recovery().toCompletableFuture().get(1, TimeUnit.MINUTES);
                ttm.close();
                System.out.printf("start %d (%s): %.2f s; %d entities (%d from a snapshot) replayed %,d journal entries%n", i + 1,
                        marker ? "after a clean stop" : "after a crash: reclaims", s, r.entities(), r.fromSnapshots(), r.entries());
            }
            Path empty = Files.createTempDirectory("ttm-recovery-none-");
            try {
                for (int i = 0; i < 2; i++) {
                    long s0 = System.nanoTime();
                    TtmSystem ttm = TtmSystem.start(RuntimeLoad.config("none", false, empty, "cores"));
                    double s = (System.nanoTime() - s0) / 1e9;
                    ttm.close();
                    System.out.printf("baseline start, journal none: %.2f s%n", s);
                }
            } finally {
                RuntimeLoad.deleteTree(empty);
            }
        } finally {
            RuntimeLoad.deleteTree(dir);
        }
    }

    static long countEvents(Path dir) {
        long n = 0;
        for (var e : dev.ttm.persistence.JournalReader.read(dir).entries()) n += e.recorded().events().size();
        return n;
    }
}
