package dev.ttm.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Bare Pekko typed {@code tell} throughput, the yardstick for the actor runtime: {@code pairs} ping-pong pairs on one
 * actor system with Pekko's default dispatcher (the one a {@link dev.ttm.actors.TtmSystem} runs on). Each pair is a
 * pinger and its echo; the pinger keeps {@code window} pings in flight (1: strict ping-pong) and sends the next one
 * when a pong comes back. The messages are one preallocated object, so what is measured is the mailbox, the
 * dispatcher and the behavior call, not allocation. Every {@code tell} counts as one message (a round trip is two).
 */
public final class BareTell implements AutoCloseable {
    /** What a pinger accepts. */
    interface Command extends NoSerializationVerificationNeeded {}

    /** The one message that bounces between a pinger and its echo. */
    static final class Ball implements Command {
        static final Ball INSTANCE = new Ball();
    }

    /** Bounce {@code roundTrips} balls with the echo, then count {@code done} down. */
    record Start(long roundTrips, CountDownLatch done) implements Command {}

    private final ActorSystem<Void> system;
    private final List<ActorRef<Command>> pingers;
    private final int window;

    /** The cores of this machine times four: the pair count of the benchmark. */
    public static int defaultPairs() {
        return Runtime.getRuntime().availableProcessors() * 4;
    }

    public BareTell(int pairs, int window) {
        this(pairs, window, baseConfig());
    }

    /** The application's configuration with warnings only. */
    public static Config baseConfig() {
        return ConfigFactory.parseString("pekko.loglevel = WARNING").withFallback(ConfigFactory.load());
    }

    public BareTell(int pairs, int window, Config config) {
        if (pairs < 1 || window < 1) throw new IllegalArgumentException("pairs and window must be positive");
        this.window = window;
        CompletableFuture<List<ActorRef<Command>>> spawned = new CompletableFuture<>();
        this.system = ActorSystem.create(Behaviors.setup(ctx -> {
            List<ActorRef<Command>> refs = new ArrayList<>();
            for (int i = 0; i < pairs; i++) refs.add(ctx.spawn(pinger(window), "ping-" + i));
            spawned.complete(List.copyOf(refs));
            return Behaviors.empty();
        }), "bare-tell", config);
        this.pingers = spawned.orTimeout(30, TimeUnit.SECONDS).join();
    }

    public int pairs() {
        return pingers.size();
    }

    public int window() {
        return window;
    }

    /**
     * Bounces {@code messages} messages in all (split evenly over the pairs; an even number) and returns once every
     * pair is done: the caller blocks, the actors never do.
     */
    public void run(long messages) throws InterruptedException {
        if (messages % 2 != 0) throw new IllegalArgumentException("messages must be even (a round trip is two)");
        long roundTrips = messages / 2;
        int n = pingers.size();
        CountDownLatch done = new CountDownLatch(n);
        for (int i = 0; i < n; i++) pingers.get(i).tell(new Start(roundTrips / n + (i < roundTrips % n ? 1 : 0), done));
        if (!done.await(5, TimeUnit.MINUTES)) throw new IllegalStateException("ping-pong did not finish");
    }

    private static Behavior<Command> pinger(int window) {
        return Behaviors.setup(ctx -> {
            ActorRef<Command> self = ctx.getSelf();
            ActorRef<Ball> echo = ctx.spawn(echo(self), "echo");
            long[] toSend = {0};
            long[] inFlight = {0};
            CountDownLatch[] done = {null};
            return Behaviors.receive(Command.class)
                    .onMessage(Ball.class, b -> {
                        inFlight[0]--;
                        if (toSend[0] > 0) {
                            toSend[0]--;
                            inFlight[0]++;
                            echo.tell(Ball.INSTANCE);
                        } else if (inFlight[0] == 0) {
                            done[0].countDown();
                        }
                        return Behaviors.same();
                    })
                    .onMessage(Start.class, s -> {
                        done[0] = s.done();
                        long first = Math.min(window, s.roundTrips());
                        toSend[0] = s.roundTrips() - first;
                        inFlight[0] = first;
                        for (long i = 0; i < first; i++) echo.tell(Ball.INSTANCE);
                        if (first == 0) s.done().countDown();
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    private static Behavior<Ball> echo(ActorRef<Command> pinger) {
        return Behaviors.receive(Ball.class).onAnyMessage(b -> {
            pinger.tell(b);
            return Behaviors.same();
        }).build();
    }

    @Override
    public void close() {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
    }

    /**
     * {@code java -cp load-tests/target/ttm.jar dev.ttm.bench.BareTell [MESSAGES] [WINDOW] [default|cores]}: three
     * timed runs, no warm-up (indicative only; the JMH benchmark is {@link ActorRuntimeBenchmark#bareTell}).
     */
    public static void main(String[] args) throws InterruptedException {
        long messages = args.length > 0 ? Long.parseLong(args[0]) : 20_000_000;
        int window = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        String dispatcher = args.length > 2 ? args[2] : "default";
        try (BareTell b = new BareTell(defaultPairs(), window, dispatcher(dispatcher).withFallback(baseConfig()))) {
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                b.run(messages);
                Duration d = Duration.ofNanos(System.nanoTime() - t0);
                System.out.printf("%d pairs, window %d: %d messages in %d ms, %.2f M messages/s%n",
                        b.pairs(), window, messages, d.toMillis(), messages / (d.toNanos() / 1e9) / 1e6);
            }
        }
    }

    /**
     * Pekko's default dispatcher: {@code default} leaves Pekko's settings (a fork-join pool of max(8, cores)
     * threads: parallelism-min 8); {@code cores} sizes it to the cores, as the runtime's entity dispatcher is.
     */
    public static Config dispatcher(String mode) {
        return switch (mode) {
            case "default" -> ConfigFactory.empty();
            case "cores" -> ConfigFactory.parseString("pekko.actor.default-dispatcher.fork-join-executor { parallelism-min = 1, "
                    + "parallelism-factor = 1.0, parallelism-max = 64 }");
            default -> throw new IllegalArgumentException("dispatcher: default or cores, not " + mode);
        };
    }
}
