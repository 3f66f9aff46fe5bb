package dev.ttm.actors;

import static dev.ttm.actors.TestSystems.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.Execbuf;
import dev.ttm.protocol.model.Outcome;
import dev.ttm.protocol.model.Placement;
import dev.ttm.protocol.model.Reply;
import dev.ttm.protocol.scenario.Placements;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** The embedding API on a system of its own: handles, errors as values, views, tickets, execbufs, the report. */
@ExtendWith(LogCapturingExtension.class)
class EmbeddingApiTest {
    static final long KIB = 1024;
    TtmSystem ttm;

    @BeforeEach
    void start() {
        ttm = TtmSystem.start(TestSystems.small(""));
    }

    @AfterEach
    void stop() {
        ttm.close();
    }

    static void expect(Outcome o, CompletionStage<Reply> stage) {
        Reply r = join(stage);
        assertEquals(o, r.outcome(), r::toString);
    }

    @Test
    void handlesDriveABufferObjectAndViewsShowIt() {
        BoHandle a = ttm.bo("A");
        expect(Outcome.OK, a.create(64 * KIB, "VRAM:topdown"));
        assertTrue(ttm.awaitQuiescence(java.time.Duration.ofSeconds(10)));
        assertEquals("VRAM", join(a.view()).orElseThrow().where(), "top-down: outside the 256 KiB window");
        expect(Outcome.MAPPED, a.fault(3));
        assertTrue(ttm.awaitQuiescence(java.time.Duration.ofSeconds(10)));
        Snapshot s = join(ttm.views());
        BoView v = s.bo("A").orElseThrow();
        assertEquals("VRAM:visible", v.where(), "the fault moved it into the window");
        assertTrue(v.mapped());
        assertEquals(1, v.ioRefs());
        assertEquals(64 * KIB, v.sizeBytes());
        assertFalse(v.reserved());
        RegionView vram = s.region("VRAM").orElseThrow();
        assertEquals(List.of("A"), vram.lru());
        assertEquals(64 * KIB, vram.usedBytes());
        assertEquals(1024 * KIB - 64 * KIB, vram.freeBytes().orElseThrow());
        assertTrue(s.region("SYSTEM").orElseThrow().sizeBytes().isEmpty(), "SYSTEM is unbounded");
        assertEquals(new Counters(128 * KIB, 0, 0, 1, 0), s.counters(), "created (a move) and moved once; one io_mem_reserve");
        expect(Outcome.OK, a.unmap());
        expect(Outcome.OK, a.destroy());
        expect(Outcome.ENOENT, a.fault(0));
        assertTrue(join(ttm.invariantReport()).ok());
    }

    @Test
    void unknownNamesAreENOENT() {
        BoHandle x = ttm.bo("X");
        List<Supplier<CompletionStage<Reply>>> ops = List.of(() -> x.reserve("o"), () -> x.reserve("o", 1), () -> x.tryReserve("o"),
                () -> x.unreserve("o"), () -> x.validate(Placement.NONE), () -> x.validate("VRAM"), () -> x.fault(0), () -> x.kmap("o"),
                () -> x.kunmap("o"), () -> x.pin(), () -> x.unpin(), () -> x.unmap(), () -> x.fence(), () -> x.signal(), () -> x.destroy(),
                () -> ttm.region("NOPE").evictAll(), () -> ttm.execbuf().add("X", "VRAM").submit());
        for (Supplier<CompletionStage<Reply>> op : ops) expect(Outcome.ENOENT, op.get());
        assertTrue(join(x.view()).isEmpty());
        assertTrue(join(ttm.region("NOPE").view()).isEmpty());
    }

    @Test
    void badArgumentsAreEINVAL() {
        BoHandle a = ttm.bo("A");
        expect(Outcome.OK, a.create(16 * KIB));
        List<Supplier<CompletionStage<Reply>>> ops = new ArrayList<>(List.of(
                () -> ttm.bo(null).fault(0), () -> ttm.bo("").fault(0), () -> ttm.bo("ghost(A)#1").fault(0), () -> ttm.bo("a b").create(4096),
                () -> ttm.bo("L".repeat(201)).create(4096), () -> ttm.bo("B").create(4095), () -> ttm.bo("B").create(0),
                () -> ttm.bo("B").create(4096, "VRAM:nope"), () -> ttm.bo("B").create(4096, (Placement) null),
                () -> ttm.bo("B").create(4096, Placement.NONE, 4), () -> a.reserve(null), () -> a.reserve("exec:1"), () -> a.reserve("o", -1),
                () -> a.unreserve(""), () -> a.validate((Placement) null), () -> a.validate("VRAM,,TT"), () -> a.validate(Placement.NONE, "bad owner"),
                () -> a.fault(-1), () -> a.kmap(null), () -> a.kunmap("x:y"), () -> a.pin(null, ":"), () -> a.unpin("?"),
                () -> ttm.region(null).evictAll(), () -> ttm.execbuf().submit(), () -> ttm.execbuf().add("A", (Placement) null).submit(),
                () -> ttm.execbuf().add("A", "bogus").submit(), () -> ttm.execbuf().add("A", "VRAM").ticket(-2).submit(),
                () -> ttm.execbuf(List.of(), 1, false), () -> ttm.reserve("A", "o", 1L, -1)));
        for (int i = 0; i < ops.size(); i++) {
            Reply r = join(ops.get(i).get());
            assertEquals(Outcome.EINVAL, r.outcome(), "case " + i + ": " + r);
            assertFalse(r.reason().isEmpty(), "case " + i + " says why");
        }
        assertTrue(join(ttm.bo("B").view()).isEmpty(), "nothing was created");
        assertTrue(join(ttm.invariantReport()).ok());
    }

    @Test
    void reservationsQueueAndViewsShowTheHolder() {
        BoHandle a = ttm.bo("A");
        expect(Outcome.OK, a.create(16 * KIB, "TT"));
        expect(Outcome.OK, a.reserve("alice"));
        expect(Outcome.EALREADY, a.reserve("alice"));
        expect(Outcome.EBUSY, a.tryReserve("bob"));
        CompletionStage<Reply> bob = a.reserve("bob");
        ttm.awaitQuiescence(java.time.Duration.ofSeconds(10));
        assertFalse(bob.toCompletableFuture().isDone(), "bob waits for alice");
        BoView v = join(a.view()).orElseThrow();
        assertEquals("alice", v.holder().orElseThrow().owner());
        assertEquals(BufferObject.HolderKind.EXPLICIT, v.holder().orElseThrow().kind());
        assertEquals(1, v.waiters());
        expect(Outcome.OK, a.kmap("alice"));
        expect(Outcome.EBUSY, a.unreserve("alice"));
        assertEquals(Map.of("alice", 1), join(a.view()).orElseThrow().kmaps());
        expect(Outcome.OK, a.kunmap("alice"));
        expect(Outcome.EPERM, a.unreserve("carol"));
        expect(Outcome.OK, a.unreserve("alice"));
        expect(Outcome.OK, bob);
        expect(Outcome.RETRY, a.fault(0));
        expect(Outcome.OK, a.unreserve("bob"));
        expect(Outcome.MAPPED, a.fault(0));
        ttm.awaitQuiescence(java.time.Duration.ofSeconds(10));
        assertTrue(join(a.view()).orElseThrow().holder().isEmpty());
        assertTrue(join(ttm.invariantReport()).ok());
    }

    /** The API counts what each ticket holds: the younger ticket that holds something dies, the older one waits. */
    @Test
    void waitDieThroughTheApi() {
        BoHandle a = ttm.bo("A");
        BoHandle b = ttm.bo("B");
        expect(Outcome.OK, a.create(16 * KIB));
        expect(Outcome.OK, b.create(16 * KIB));
        long older = ttm.newTicket();
        long younger = ttm.newTicket();
        assertTrue(older < younger);
        expect(Outcome.OK, a.reserve("t1", older));
        expect(Outcome.OK, b.reserve("t2", younger));
        expect(Outcome.EDEADLK, a.reserve("t2", younger));        // holds B, meets an older holder: back off
        CompletionStage<Reply> olderWaits = b.reserve("t1", older); // the older one waits for B
        ttm.awaitQuiescence(java.time.Duration.ofSeconds(10));
        assertFalse(olderWaits.toCompletableFuture().isDone());
        expect(Outcome.OK, b.unreserve("t2"));                     // the younger releases all it holds...
        expect(Outcome.OK, olderWaits);
        CompletionStage<Reply> retry = a.reserve("t2", younger);   // ...and waits for the contended one, holding nothing
        ttm.awaitQuiescence(java.time.Duration.ofSeconds(10));
        assertFalse(retry.toCompletableFuture().isDone());
        expect(Outcome.OK, a.unreserve("t1"));
        expect(Outcome.OK, b.unreserve("t1"));
        expect(Outcome.OK, retry);
        expect(Outcome.OK, b.reserve("t2", younger));
        assertEquals("t2(ticket " + younger + ")", join(b.view()).orElseThrow().holder().orElseThrow().toString());
        expect(Outcome.OK, a.unreserve("t2"));
        expect(Outcome.OK, b.unreserve("t2"));
        assertTrue(join(ttm.invariantReport()).ok());
    }

    @Test
    void execbufBuilderAndFences() {
        BoHandle a = ttm.bo("A");
        BoHandle b = ttm.bo("B");
        expect(Outcome.OK, a.create(64 * KIB));
        expect(Outcome.OK, b.create(64 * KIB));
        ExecbufBuilder x = ttm.execbuf().add(a, Placements.parse("VRAM:topdown")).add("B", "TT").fence();
        assertEquals(List.of(new Execbuf.Entry("A", Placements.parse("VRAM:topdown")), new Execbuf.Entry("B", Placements.parse("TT"))), x.entries());
        expect(Outcome.OK, x.submit());
        ttm.awaitQuiescence(java.time.Duration.ofSeconds(10));
        Snapshot s = join(ttm.views());
        assertEquals("VRAM", s.bo("A").orElseThrow().where());
        assertEquals("TT", s.bo("B").orElseThrow().where());
        assertTrue(s.bo("A").orElseThrow().busy());
        assertEquals(1, s.bo("B").orElseThrow().fences());
        expect(Outcome.OK, a.signal());
        expect(Outcome.OK, b.signal());
        expect(Outcome.OK, a.pin(Placements.parse("VRAM:visible")));
        expect(Outcome.OK, a.kmap("fbdev"));                          // a pinned BO may be kmapped without the reservation
        ttm.awaitQuiescence(java.time.Duration.ofSeconds(10));
        BoView av = join(a.view()).orElseThrow();
        assertEquals(1, av.pins());
        assertEquals("VRAM:visible", av.where());
        assertFalse(av.busy());
        assertTrue(join(ttm.region("VRAM").view()).orElseThrow().lru().isEmpty(), "pinned BOs are on no LRU");
        expect(Outcome.EBUSY, ttm.region("TT").evictAll().thenCompose(r -> ttm.region("SYSTEM").evictAll()));
        expect(Outcome.OK, a.kunmap("fbdev"));
        expect(Outcome.OK, a.unpin());
        expect(Outcome.EINVAL, a.unpin());
        assertEquals(1, join(ttm.views()).counters().warnings());
        InvariantReport report = join(ttm.invariantReport());
        assertTrue(report.ok(), report::toString);
        assertEquals("invariants ok", report.toString());
    }

    @Test
    void snapshotsAreImmutableCopies() {
        BoHandle a = ttm.bo("A");
        expect(Outcome.OK, a.create(16 * KIB, "VRAM:topdown"));
        ttm.awaitQuiescence(java.time.Duration.ofSeconds(10));
        Snapshot before = join(ttm.views());
        expect(Outcome.OK, a.validate("TT"));
        ttm.awaitQuiescence(java.time.Duration.ofSeconds(10));
        Snapshot after = join(ttm.views());
        assertEquals("VRAM", before.bo("A").orElseThrow().where(), "a snapshot does not follow the model");
        assertEquals("TT", after.bo("A").orElseThrow().where());
        assertThrows(UnsupportedOperationException.class, () -> before.bos().clear());
        assertThrows(UnsupportedOperationException.class, () -> before.region("VRAM").orElseThrow().lru().clear());
    }

    @Test
    void aClosedSystemFailsRequestsAtOnceInsteadOfNeverAnswering() {
        BoHandle a = ttm.bo("A");
        expect(Outcome.OK, a.create(4096));
        ttm.close();
        for (CompletionStage<Reply> s : List.of(a.fault(0), ttm.bo("B").create(4096), ttm.execbuf().add("A", "TT").submit())) {
            java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> s.toCompletableFuture().get(5, java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof IllegalStateException, e::toString);
        }
        expect(Outcome.ENOENT, ttm.bo("C").fault(0));   // names are still checked first
    }

    @Test
    void withoutCheckingThereAreNoViewsAndTheReportSaysSo() {
        try (TtmSystem unchecked = TtmSystem.start(ConfigFactory.parseString("ttm.check = off").withFallback(TestSystems.small("")))) {
            expect(Outcome.OK, unchecked.bo("A").create(4096));
            InvariantReport r = join(unchecked.invariantReport());
            assertFalse(r.checked());
            assertFalse(r.ok());
            assertTrue(unchecked.views().toCompletableFuture().isCompletedExceptionally());
        }
    }
}
