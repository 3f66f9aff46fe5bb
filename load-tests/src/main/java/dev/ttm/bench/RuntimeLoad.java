package dev.ttm.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ttm.actors.TtmSystem;
import dev.ttm.actors.runtime.Wiring;
import dev.ttm.protocol.invariants.Violation;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BoState;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.Outcome;
import dev.ttm.protocol.model.Reply;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * A closed-loop load on the actor runtime ({@link TtmSystem}) under eviction pressure: the device and the BOs of
 * {@link SimulatorBenchmark} (VRAM 64 MiB with a 16 MiB CPU-visible window, TT 128 MiB, SYSTEM; 300 BOs of 64 KiB ..
 * 2 MiB, 211 MiB in all, created in VRAM,TT), driven by {@code clients} clients that each keep {@code window}
 * operations outstanding: validates into VRAM / VRAM,TT / VRAM:visible / TT (60%), CPU faults on a random page
 * (30%: they move a BO into the visible window or TT, evicting), unmaps (10%), on random BOs.
 *
 * <p>The hot path never blocks and never asks: each client is an actor that sends a request with {@link Wiring#submit}
 * (a {@code tell} to the BO's actor) and gets the reply as a {@code tell} to its message adapter, which it registered
 * with the runtime's {@link dev.ttm.actors.runtime.ClientSink} as its reply adapter; the reply sends the client's next
 * request. Only the thread that called {@link #run} waits (parked) until the batch is answered and the model
 * quiescent.
 *
 * <p>Messages are counted with the runtime's stamp counter: every client request takes two stamps (its request id,
 * {@link TtmSystem#newRequestId}, and its submission) and every decision of an entity takes one, so entity messages
 * (each one received and decided by an entity actor, client requests included) = stamps taken - 2 x requests. Replies to clients are not counted.
 */
public final class RuntimeLoad implements AutoCloseable {
    public static final int BOS = SimulatorBenchmark.BOS;
    public static final long PAGE = SimulatorBenchmark.PAGE;

    /** The figures of one {@link #run}. */
    public record Result(long operations, long messages, long nanos) {
        public double opsPerSecond() { return operations / (nanos / 1e9); }
        public double messagesPerSecond() { return messages / (nanos / 1e9); }
        public double messagesPerOperation() { return (double) messages / operations; }
    }

    public final TtmSystem ttm;
    private final Wiring wiring;
    private final String journal;
    private final boolean check;
    private final Path dataDir;
    private final Address.Bo[] bos = new Address.Bo[BOS];
    private final long[] pages = new long[BOS];
    private final Client[] clients;
    private final int window;

    private final AtomicLong issued = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLongArray outcomes = new AtomicLongArray(Outcome.values().length);
    private volatile long budget;
    private volatile long target = Long.MAX_VALUE;
    private volatile Thread waiter;
    private volatile Throwable failure;

    /**
     * The configuration of a benchmark system: the device above, {@code ttm.journal}, {@code ttm.check}, the data
     * directory; LevelDB without fsync; warnings only; the default dispatcher as {@code dispatcher} says.
     */
    public static Config config(String journal, boolean check, Path dataDir, String dispatcher) {
        return ConfigFactory.parseString(String.join("\n",
                        "ttm {",
                        "  journal = " + journal,
                        "  check = " + (check ? "on" : "off"),
                        "  data-dir = \"" + dataDir.toAbsolutePath().toString().replace("\\", "/") + "\"",
                        "  regions = [",
                        "    { name = VRAM, size = 64MiB, visible = 16MiB }",
                        "    { name = TT, size = 128MiB }",
                        "  ]",
                        "}",
                        "pekko.loglevel = WARNING",
                        "pekko.persistence.journal.leveldb.fsync = off"))
                .withFallback(dispatcher(dispatcher))
                .withFallback(ConfigFactory.load());
    }

    /**
     * Where the runtime's actors run: {@code cores} is the runtime's own default ({@code ttm.actors.dispatcher} =
     * {@code ttm.actors.entity-dispatcher}, a fork-join pool with one thread per core); {@code default} puts them on
     * Pekko's default dispatcher as it comes (a fork-join pool of max(8, cores) threads: parallelism-min 8).
     */
    public static Config dispatcher(String mode) {
        return switch (mode) {
            case "default" -> ConfigFactory.parseString("ttm.actors.dispatcher = \"\"");
            case "cores" -> ConfigFactory.empty();
            default -> throw new IllegalArgumentException("dispatcher: default or cores, not " + mode);
        };
    }

    /** Starts a system on {@code journal} (leveldb | memory | none) in a fresh temporary data directory and creates the BOs. */
    public RuntimeLoad(String journal, boolean check, int clients, int window) {
        this(journal, check, clients, window, "default");
    }

    /** The same on the default dispatcher configured as {@code dispatcher} says ({@link #dispatcher}). */
    public RuntimeLoad(String journal, boolean check, int clients, int window, String dispatcher) {
        if (clients < 1 || window < 1) throw new IllegalArgumentException("clients and window must be positive");
        this.journal = journal;
        this.check = check;
        this.window = window;
        try {
            this.dataDir = Files.createTempDirectory("ttm-bench-" + journal + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.ttm = TtmSystem.start(config(journal, check, dataDir, dispatcher));
        this.wiring = ttm.wiring();
        SplittableRandom random = new SplittableRandom(SimulatorBenchmark.SEED);
        long[] sizes = {16, 32, 64, 128, 256, 512}; // pages: 64 KiB .. 2 MiB
        List<CompletableFuture<Reply>> created = new ArrayList<>();
        for (int i = 0; i < BOS; i++) {
            bos[i] = new Address.Bo("bo" + i);
            pages[i] = sizes[random.nextInt(sizes.length)];
            created.add(ttm.create(bos[i].name(), pages[i] * PAGE, SimulatorBenchmark.VRAM_TT, i % 10 == 0 ? 1 : 0).toCompletableFuture());
        }
        for (CompletableFuture<Reply> f : created) {
            Reply r = f.orTimeout(60, TimeUnit.SECONDS).join();
            if (r.outcome() != Outcome.OK) throw new IllegalStateException("create: " + r);
        }
        if (!ttm.awaitQuiescence(Duration.ofSeconds(60))) throw new IllegalStateException("creates did not settle");
        this.clients = new Client[clients];
        // The clients run on the entities' dispatcher: one pool, as an application's actors beside the model would.
        String d = ttm.settings().dispatcher();
        Props props = d.isEmpty() ? Props.empty() : DispatcherSelector.fromConfig(d);
        for (int c = 0; c < clients; c++) this.clients[c] = new Client(new Address.Client("load-" + c), ttm.actorSystem(), props);
    }

    public String journal() { return journal; }
    public Path dataDir() { return dataDir; }
    public boolean check() { return check; }
    public int clients() { return clients.length; }
    public int window() { return window; }

    public long totalBytes() {
        long n = 0;
        for (long p : pages) n += p;
        return n * PAGE;
    }

    /**
     * Runs {@code operations} client operations with every client keeping {@code window} outstanding (the last
     * ones drain), and returns once each is answered and nothing is in flight in the model.
     */
    public Result run(long operations) {
        if (operations < 1) throw new IllegalArgumentException("operations must be positive");
        if (wiring.inFlight() != 0) throw new IllegalStateException("the model is not quiescent");
        long stamps0 = wiring.lastStamp();
        long t0 = System.nanoTime();
        issued.set(0);
        budget = operations;
        waiter = Thread.currentThread();
        target = completed.get() + operations;
        for (int w = 0; w < window; w++) for (Client c : clients) c.ref.tell(new Kick());
        long deadline = t0 + TimeUnit.MINUTES.toNanos(5);
        while (completed.get() < target && failure == null) {
            LockSupport.parkNanos(this, 10_000_000);
            if (System.nanoTime() > deadline) throw new IllegalStateException(completed.get() + " of " + target + " operations answered after 5 minutes");
        }
        if (failure != null) throw new IllegalStateException("a client failed", failure);
        if (!ttm.awaitQuiescence(Duration.ofMinutes(1))) throw new IllegalStateException("the model did not quiesce: " + wiring.inFlight() + " in flight");
        long t1 = System.nanoTime();
        target = Long.MAX_VALUE;
        long stamps = wiring.lastStamp() - stamps0;
        // Each operation took two stamps that are not entity messages: its request id and its submission.
        return new Result(operations, stamps - 2 * operations, t1 - t0);
    }

    /** Replies by outcome, over every run so far. */
    public Map<Outcome, Long> outcomes() {
        Map<Outcome, Long> m = new EnumMap<>(Outcome.class);
        for (Outcome o : Outcome.values()) if (outcomes.get(o.ordinal()) > 0) m.put(o, outcomes.get(o.ordinal()));
        return m;
    }

    /** With {@code ttm.check = on}: every violation the monitor's checker found, and a full check now. */
    public List<Violation> violations() {
        if (!check) return List.of();
        return ttm.invariants().toCompletableFuture().orTimeout(60, TimeUnit.SECONDS).join();
    }

    /** With {@code ttm.check = on}: evictions so far, from the monitor's fold. */
    public long evictions() {
        if (!check) return -1;
        return ttm.read(view -> view.bos().stream().mapToLong(BoState::evictions).sum()).toCompletableFuture().orTimeout(60, TimeUnit.SECONDS).join();
    }

    @Override
    public void close() {
        try {
            ttm.close();
        } finally {
            deleteTree(dataDir);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * One closed-loop client, an actor: a {@link Kick} or a reply (through its message adapter, registered with the
     * runtime as the client's reply adapter) sends its next request, until the run's budget is spent.
     */
    private final class Client {
        final Address.Client address;
        final ActorRef<ClientCommand> ref;

        Client(Address.Client address, ActorSystem<?> system, Props props) {
            this.address = address;
            this.ref = system.systemActorOf(Behaviors.setup(ctx -> {
                wiring.clients.register(address, ctx.messageAdapter(Reply.class, Replied::new));
                return Behaviors.receive(ClientCommand.class)
                        .onMessage(Kick.class, k -> { issue(); return Behaviors.same(); })
                        .onMessage(Replied.class, r -> { onReply(r.reply()); return Behaviors.same(); })
                        .build();
            }), address.name(), props);
        }

        void issue() {
            if (issued.incrementAndGet() > budget) return;
            ThreadLocalRandom random = ThreadLocalRandom.current();
            int bo = random.nextInt(BOS);
            long id = ttm.newRequestId();
            int r = random.nextInt(100);
            Message m;
            if (r < 20) m = new BufferObject.Validate(SimulatorBenchmark.VRAM, null, false, id, address);
            else if (r < 35) m = new BufferObject.Validate(SimulatorBenchmark.VRAM_TT, null, false, id, address);
            else if (r < 45) m = new BufferObject.Validate(SimulatorBenchmark.VRAM_VISIBLE, null, false, id, address);
            else if (r < 60) m = new BufferObject.Validate(SimulatorBenchmark.TT, null, false, id, address);
            else if (r < 90) m = new BufferObject.Fault(random.nextLong(pages[bo]), id, address);
            else m = new BufferObject.Unmap(null, id, address);
            wiring.submit(address, bos[bo], m);
        }

        private void onReply(Reply r) {
            try {
                outcomes.incrementAndGet(r.outcome().ordinal());
                if (completed.incrementAndGet() == target) LockSupport.unpark(waiter);
                issue();
            } catch (Throwable t) {
                failure = t;
                LockSupport.unpark(waiter);
            }
        }
    }

    interface ClientCommand {}

    /** Send the next request (the run starts with {@code window} of them per client). */
    record Kick() implements ClientCommand {}

    /** A reply, through the client's message adapter. */
    record Replied(Reply reply) implements ClientCommand {}

    /**
     * Describes the workload: {@code java -cp load-tests/target/ttm.jar dev.ttm.bench.RuntimeLoad [JOURNAL] [OPS]
     * [check|nocheck] [CLIENTS] [WINDOW] [default|cores]} (defaults: none, 200000, nocheck, 8, 4, default) runs the operations three times and prints
     * the rates, the messages per operation and the reply outcomes (with check: evictions and the invariant report).
     * One process, little warm-up: indicative only; the JMH benchmark is {@link ActorRuntimeBenchmark}.
     */
    public static void main(String[] args) {
        String journal = args.length > 0 ? args[0] : "none";
        long ops = args.length > 1 ? Long.parseLong(args[1]) : 200_000;
        boolean check = args.length > 2 && args[2].equals("check");
        int clients = args.length > 3 ? Integer.parseInt(args[3]) : ActorRuntimeBenchmark.CLIENTS;
        int window = args.length > 4 ? Integer.parseInt(args[4]) : ActorRuntimeBenchmark.WINDOW;
        String dispatcher = args.length > 5 ? args[5] : "default";
        try (RuntimeLoad load = new RuntimeLoad(journal, check, clients, window, dispatcher)) {
            System.out.printf("journal %s, check %s, dispatcher %s; %d clients x %d outstanding; %d BOs, %d MiB in all; VRAM 64 MiB (16 MiB visible), TT 128 MiB%n",
                    journal, check ? "on" : "off", dispatcher, clients, window, BOS, load.totalBytes() >> 20);
            for (int i = 0; i < 3; i++) {
                long writes = load.wiring.journalWrites(), entries = load.wiring.journalEntries();
                Result r = load.run(ops);
                writes = load.wiring.journalWrites() - writes;
                System.out.printf("%d operations, %d entity messages (%.2f per operation) in %d ms: %.0f ops/s, %.0f messages/s; %.2f journal entries per write%n",
                        r.operations(), r.messages(), r.messagesPerOperation(), r.nanos() / 1_000_000, r.opsPerSecond(), r.messagesPerSecond(),
                        writes == 0 ? 0.0 : (double) (load.wiring.journalEntries() - entries) / writes);
            }
            System.out.printf("reply outcomes: %s%n", load.outcomes());
            if (check) {
                System.out.printf("evictions: %d%n", load.evictions());
                List<Violation> v = load.violations();
                System.out.println(v.isEmpty() ? "invariant checker: no violations" : v.size() + " violation(s), first: " + v.get(0));
            }
        }
    }
}
