package dev.ttm.protocol.invariants;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BoState;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.FenceSet;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Driver;
import dev.ttm.protocol.model.IoManager;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.ModelTestAccess;
import dev.ttm.protocol.model.Outcome;
import dev.ttm.protocol.model.Place;
import dev.ttm.protocol.model.Placement;
import dev.ttm.protocol.model.RegionConfig;
import dev.ttm.protocol.model.RegionManager;
import dev.ttm.protocol.model.RegionState;
import dev.ttm.protocol.model.Reply;
import dev.ttm.protocol.model.Resource;
import dev.ttm.protocol.scenario.ScenarioRunner;
import dev.ttm.protocol.sim.Simulator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.LongFunction;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Breaks each of the 13 invariants (docs/semantics.md, "Invariants") on purpose and shows that the checker catches it, naming the
 * invariant and the entity; and for each, that the same set-up without the break reports nothing.
 *
 * <p>The model itself keeps the invariants, so the breaks are made from outside: a forged message that a correct
 * entity would never send, an event applied behind the model's back ({@link Simulator#corrupt}) followed by a check,
 * or a transition fed to {@link InvariantChecker#beforeApply} as the model would emit it. INV-1, 7 and 8 are also
 * broken the way the design intends: by the V3 patch's {@code v3-atomic} driver in a scenario.
 */
class InvariantBreakTest {
    // VRAM: 64 pages, window [0, 16), evicts to TT then SYSTEM. TT: 32 pages, CPU-visible, evicts to SYSTEM.
    private static final long VRAM_PAGES = 64;
    private static final long WINDOW = 16;

    /** One simulated device with the checker plugged in, and a client that drives it. */
    static final class Rig {
        final Simulator sim;
        final InvariantChecker checker = new InvariantChecker();
        final Address.Client client = new Address.Client("test");

        Rig() {
            this(Driver.SIMPLE);
        }

        Rig(Driver driver) {
            DeviceConfig dev = new DeviceConfig(4096, driver, 0, List.of(
                    new RegionConfig("VRAM", VRAM_PAGES, WINDOW, false, List.of("TT", RegionConfig.SYSTEM), false),
                    new RegionConfig("TT", 32, 0, true, List.of(RegionConfig.SYSTEM), false)), List.of());
            sim = new Simulator(dev);
            sim.addListener(checker);
        }

        /** Submits a command to a BO, runs to quiescence, returns its reply (null if it is still waiting). */
        Reply op(String bo, LongFunction<Message> command) {
            long id = sim.newRequestId();
            sim.submit(client, new Address.Bo(bo), command.apply(id));
            assertTrue(sim.settle(1_000_000), "the run must quiesce");
            return sim.reply(id);
        }

        void ok(String bo, LongFunction<Message> command, Outcome expected) {
            Reply r = op(bo, command);
            assertNotNull(r, "no reply from " + bo);
            assertEquals(expected, r.outcome(), () -> "reply " + r);
        }

        void create(String bo, long pages, Place... places) {
            ok(bo, id -> new BufferObject.Create(pages, 0, places.length == 0 ? null : Placement.of(places), id, client), Outcome.OK);
        }

        void reserve(String bo, String owner) {
            ok(bo, id -> new BufferObject.Reserve(owner, null, false, 0, id, client), Outcome.OK);
        }

        void fault(String bo) {
            ok(bo, id -> new BufferObject.Fault(0, id, client), Outcome.MAPPED);
        }

        void pin(String bo) {
            ok(bo, id -> new BufferObject.Pin(null, null, id, client), Outcome.OK);
        }

        /** A message from the test client to a non-BO entity, delivered at once. */
        void forge(Address to, Message m) {
            sim.submit(client, to, m);
            assertTrue(sim.settle(1_000_000));
        }

        BoState bo(String name) {
            return sim.bo(name);
        }

        RegionState region(String name) {
            return sim.region(name);
        }

        /**
         * The incremental check (what the simulator runs after each message) of what changed, then a full check of
         * the whole device, which must find nothing the incremental one missed.
         */
        List<Violation> check() {
            checker.checkIncremental(sim);
            List<Violation> incremental = checker.all();
            checker.checkFull(sim);
            assertEquals(incremental, checker.all(), "the full check found what the incremental check missed");
            return checker.all();
        }

        /** Nothing reported so far, and nothing on a fresh look at the whole device. */
        void assertClean() {
            List<Violation> v = check();
            assertTrue(v.isEmpty(), () -> "expected no violation, found " + v);
        }

        /** At least one violation of {@code inv} naming {@code entity}, and none of any other invariant. */
        void assertOnly(String inv, String entity) {
            List<Violation> v = checker.all();
            assertCaught(inv, entity);
            assertTrue(v.stream().allMatch(x -> x.invariant().equals(inv)), () -> "only " + inv + " expected, found " + v);
        }

        /** At least one violation of {@code inv} whose entities list names {@code entity}. */
        void assertCaught(String inv, String entity) {
            List<Violation> v = checker.all();
            assertTrue(v.stream().anyMatch(x -> x.invariant().equals(inv) && names(x, entity)),
                    () -> "expected " + inv + " naming [" + entity + "], found " + v);
            Violation first = v.stream().filter(x -> x.invariant().equals(inv)).findFirst().orElseThrow();
            assertTrue(first.step() >= 0 && first.step() <= sim.delivered(), "a violation carries the step that broke it");
            assertFalse(first.detail().isBlank());
            assertTrue(first.toString().startsWith(inv + " " + Invariant.title(inv)), first::toString);
        }

        private static boolean names(Violation v, String entity) {
            for (String part : v.entities().split(",")) if (part.strip().equals(entity)) return true;
            return false;
        }
    }

    private static Resource res(String region, long start, long pages) {
        return new Resource(region, start, pages, 0, region.equals("VRAM") ? VRAM_PAGES : 32);
    }

    /** Runs a scenario text; returns {exit status, output}. */
    private static Object[] scenario(String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ScenarioRunner.Result r = ScenarioRunner.runSource("inv.ttm", text, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return new Object[] {r.exitStatus(), bytes.toString(StandardCharsets.UTF_8)};
    }

    private static void scenarioPasses(String text) {
        Object[] r = scenario(text);
        assertEquals(0, r[0], () -> "scenario failed:\n" + r[1]);
    }

    // ---- INV-1 reservation ---------------------------------------------------------------------------
    @Nested
    class Inv1Reservation {
        @Test
        void aGuardedChangeOnAnUnreservedBoIsCaught() {
            Rig r = new Rig();
            r.create("A", 4, Place.visible("VRAM"));
            assertEquals(null, r.bo("A").holder());
            r.checker.beforeApply(r.sim, new Address.Bo("A"), new BufferObject.Mapped());
            r.assertOnly(Invariant.RESERVATION, "bo A");
        }

        @Test
        void theSameChangeUnderTheReservationIsFine() {
            Rig r = new Rig();
            r.create("A", 4, Place.visible("VRAM"));
            r.reserve("A", "k");
            r.checker.beforeApply(r.sim, new Address.Bo("A"), new BufferObject.Mapped());
            r.checker.beforeApply(r.sim, new Address.Bo("A"), new BufferObject.KmapChanged("k", 1, false));
            assertTrue(r.checker.all().isEmpty(), () -> r.checker.all().toString());
        }

        @Test
        void anUnguardedEventNeedsNoReservation() {
            Rig r = new Rig();
            r.create("A", 4, Place.visible("VRAM"));
            r.checker.beforeApply(r.sim, new Address.Bo("A"), new BufferObject.Warned("just a warning"));
            assertTrue(r.checker.all().isEmpty(), () -> r.checker.all().toString());
        }

        @Test
        void v3AtomicKmapOfAPinnedBoRunsOutsideTheReservation() {
            String script = """
                    device driver=%s
                    region VRAM size=256KiB visible=64KiB
                    bo A size=16KiB in VRAM
                    pin A                 expect OK
                    kmap A by=fbdev       expect OK
                    %s
                    """;
            Object[] bad = scenario(script.formatted("v3-atomic", "expect invariants ok"));
            assertEquals(1, bad[0], () -> (String) bad[1]);
            assertTrue(((String) bad[1]).contains("INV-1 (reservation)") && ((String) bad[1]).contains("[bo A]"), (String) bad[1]);
            scenarioPasses(script.formatted("v3-atomic", "expect violation INV-1"));
            scenarioPasses(script.formatted("simple", "expect invariants ok"));
        }
    }

    // ---- INV-2 pinned-stays --------------------------------------------------------------------------
    @Nested
    class Inv2PinnedStays {
        @Test
        void movingAPinnedBoIsCaught() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("VRAM"));
            r.pin("A");
            r.reserve("A", "k");
            r.checker.beforeApply(r.sim, new Address.Bo("A"), new BufferObject.Moved(r.bo("A").resource(), res("TT", 0, 4), false, FenceSet.NONE, null));
            r.assertOnly(Invariant.PINNED_STAYS, "bo A");
        }

        @Test
        void evictingOrPurgingAPinnedBoIsCaught() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("VRAM"));
            r.pin("A");
            r.reserve("A", "k");
            r.checker.beforeApply(r.sim, new Address.Bo("A"), new BufferObject.Moved(r.bo("A").resource(), null, true, FenceSet.NONE, null));
            r.assertOnly(Invariant.PINNED_STAYS, "bo A");
        }

        @Test
        void movingAnUnpinnedBoIsFine() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("VRAM"));
            r.reserve("A", "k");
            r.checker.beforeApply(r.sim, new Address.Bo("A"), new BufferObject.Moved(r.bo("A").resource(), res("TT", 0, 4), false, FenceSet.NONE, null));
            r.checker.beforeApply(r.sim, new Address.Bo("A"), new BufferObject.Moved(r.bo("A").resource(), null, true, FenceSet.NONE, null));
            assertTrue(r.checker.all().isEmpty(), () -> r.checker.all().toString());
        }

        @Test
        void theModelRefusesToMoveAPinnedBoSoARealRunStaysClean() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("VRAM"));
            r.pin("A");
            r.ok("A", id -> new BufferObject.Validate(Placement.of(Place.of("TT")), null, false, id, r.client), Outcome.EINVAL);
            r.ok("A", id -> new BufferObject.Validate(Placement.NONE, null, false, id, r.client), Outcome.EINVAL);
            assertEquals("VRAM", r.bo("A").resource().region());
            r.assertClean();
        }
    }

    // ---- INV-3 pin-count -----------------------------------------------------------------------------
    @Nested
    class Inv3PinCount {
        @Test
        void aPinCountGoingNegativeIsCaughtOnTheTransition() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("VRAM"));
            r.reserve("A", "k");
            r.checker.beforeApply(r.sim, new Address.Bo("A"), new BufferObject.PinChanged(-1));
            r.assertOnly(Invariant.PIN_COUNT, "bo A");
        }

        @Test
        void aNegativePinCountIsCaughtInTheState() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("VRAM"));
            r.sim.corrupt(new Address.Bo("A"), new BufferObject.PinChanged(-1));
            r.check();
            r.assertOnly(Invariant.PIN_COUNT, "bo A");
        }

        @Test
        void pinAndUnpinDownToZeroAreFine() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("VRAM"));
            r.pin("A");
            r.ok("A", id -> new BufferObject.Unpin(null, id, r.client), Outcome.OK);
            r.ok("A", id -> new BufferObject.Unpin(null, id, r.client), Outcome.EINVAL); // at zero: no change
            assertEquals(0, r.bo("A").pinCount());
            r.reserve("A", "k");
            r.checker.beforeApply(r.sim, new Address.Bo("A"), new BufferObject.PinChanged(0));
            r.assertClean();
        }
    }

    // ---- INV-4 capacity ------------------------------------------------------------------------------
    @Nested
    class Inv4Capacity {
        @Test
        void pagesTakenFromTheAllocatorWithoutAnAllocationAreCaught() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("VRAM"));
            ModelTestAccess.allocator(r.region("VRAM")).allocate(40, 4); // free + used no longer add up to the size
            // A runtime tells the checker what changed through events; this corruption has none, so an event on the
            // region (A put back at its LRU tail, a no-op) makes the incremental check look at it.
            r.sim.corrupt(new Address.Region("VRAM"), new RegionManager.LruMoved("A", 0, true));
            r.check();
            r.assertOnly(Invariant.CAPACITY, "region VRAM");
        }

        @Test
        void overlappingAllocationsAreCaught() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("VRAM")); // VRAM[0..4)
            assertEquals(0, r.bo("A").resource().startPage());
            Address vram = new Address.Region("VRAM");
            ModelTestAccess.allocator(r.region("VRAM")).free(0, 4); // the allocator forgets A's pages ...
            r.sim.corrupt(vram, new RegionManager.Allocated(new RegionManager.Allocation("B", 2, 4, 0, VRAM_PAGES), 0, false, FenceSet.NONE)); // ... and B gets 2..6
            r.check();
            r.assertCaught(Invariant.CAPACITY, "region VRAM");
            r.assertCaught(Invariant.CAPACITY, "bo B");
        }

        @Test
        void aFullRegionIsFine() {
            Rig r = new Rig();
            for (int i = 0; i < 16; i++) r.create("B" + i, 4, Place.of("VRAM"));
            assertEquals(VRAM_PAGES, r.region("VRAM").usedPages());
            assertEquals(0, ModelTestAccess.allocator(r.region("VRAM")).freePages());
            r.assertClean();
        }
    }

    // ---- INV-5 range ---------------------------------------------------------------------------------
    @Nested
    class Inv5Range {
        @Test
        void anAllocationOutsideItsPlacesRangeIsCaught() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("VRAM")); // VRAM[0..4)
            Address vram = new Address.Region("VRAM");
            // The region's record now claims the allocation was made for the range 8..16: it lies outside it.
            r.sim.corrupt(vram, new RegionManager.Freed("A", 0, 4));
            r.sim.corrupt(vram, new RegionManager.Allocated(new RegionManager.Allocation("A", 0, 4, 8, 16), 0, true, FenceSet.NONE));
            r.check();
            r.assertOnly(Invariant.RANGE, "region VRAM");
            r.assertCaught(Invariant.RANGE, "bo A");
        }

        @Test
        void aResourceOutsideItsPlacesRangeIsCaught() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("VRAM").withRange(8, 16));
            r.assertClean();
            Resource now = r.bo("A").resource();
            assertEquals(8, now.startPage());
            // Same pages, but the resource says it was allocated for 12..16.
            r.sim.corrupt(new Address.Bo("A"), new BufferObject.Moved(now, new Resource("VRAM", 8, 4, 12, 16), false, FenceSet.NONE, null));
            r.check();
            r.assertOnly(Invariant.RANGE, "bo A");
        }

        @Test
        void rangedAndTopdownPlacementsAreFine() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("VRAM").withRange(8, 16));
            r.create("B", 4, new Place("VRAM", 20, 30, false, false, false, true));
            assertEquals(8, r.bo("A").resource().startPage());
            assertEquals(26, r.bo("B").resource().startPage());
            r.assertClean();
        }
    }

    // ---- INV-6 unmap-before-move ---------------------------------------------------------------------
    @Nested
    class Inv6UnmapBeforeMove {
        @Test
        void movingABoThatIsStillUserMappedIsCaught() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("TT"));
            r.fault("A");
            assertTrue(r.bo("A").mapped());
            r.reserve("A", "k");
            r.checker.beforeApply(r.sim, new Address.Bo("A"), new BufferObject.Moved(r.bo("A").resource(), null, false, FenceSet.NONE, null));
            r.assertOnly(Invariant.UNMAP_BEFORE_MOVE, "bo A");
        }

        @Test
        void movingABoWithAKmapIsCaught() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("TT"));
            r.reserve("A", "k");
            r.ok("A", id -> new BufferObject.Kmap("k", id, r.client), Outcome.OK);
            r.checker.beforeApply(r.sim, new Address.Bo("A"), new BufferObject.Moved(r.bo("A").resource(), null, true, FenceSet.NONE, null));
            r.assertOnly(Invariant.UNMAP_BEFORE_MOVE, "bo A");
        }

        @Test
        void movingAfterUnmapVirtualIsFine() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("TT"));
            r.fault("A");
            r.ok("A", id -> new BufferObject.Unmap(null, id, r.client), Outcome.OK);
            r.reserve("A", "k");
            r.checker.beforeApply(r.sim, new Address.Bo("A"), new BufferObject.Moved(r.bo("A").resource(), null, false, FenceSet.NONE, null));
            r.checker.beforeApply(r.sim, new Address.Bo("A"), new BufferObject.Moved(r.bo("A").resource(), res("VRAM", 0, 4), false, FenceSet.NONE, null));
            r.assertClean();
        }

        @Test
        void aRealMoveOfAMappedBoZapsFirst() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("TT"));
            r.fault("A");
            r.ok("A", id -> new BufferObject.Validate(Placement.of(Place.of("VRAM")), null, false, id, r.client), Outcome.OK);
            assertFalse(r.bo("A").mapped());
            assertEquals("VRAM", r.bo("A").resource().region());
            r.assertClean();
        }
    }

    // ---- INV-7 cpu-visible ---------------------------------------------------------------------------
    @Nested
    class Inv7CpuVisible {
        @Test
        void aMappingOutsideTheWindowIsCaught() {
            Rig r = new Rig();
            r.create("A", 4, new Place("VRAM", 0, 0, false, false, false, true)); // topdown: VRAM[60..64)
            assertEquals(60, r.bo("A").resource().startPage());
            r.sim.corrupt(new Address.Bo("A"), new BufferObject.Mapped());
            r.check();
            r.assertOnly(Invariant.CPU_VISIBLE, "bo A");
        }

        @Test
        void aMappingWithoutAnIoReservationIsCaught() {
            Rig r = new Rig();
            r.create("A", 4, Place.visible("VRAM"));
            r.sim.corrupt(new Address.Bo("A"), new BufferObject.Mapped());
            r.check();
            r.assertOnly(Invariant.CPU_VISIBLE, "bo A");
            r.assertCaught(Invariant.CPU_VISIBLE, "io");
        }

        @Test
        void aFaultedMappingInsideTheWindowIsFine() {
            Rig r = new Rig();
            r.create("A", 4, new Place("VRAM", 0, 0, false, false, false, true));
            r.fault("A"); // moves A into the window, reserves IO, maps
            assertTrue(r.bo("A").mapped());
            assertTrue(r.bo("A").resource().endPage() <= WINDOW);
            assertTrue(r.sim.io().isReserved("A"));
            r.assertClean();
        }

        @Test
        void v3AtomicUnmapVirtualLeavesAKmapWithoutIoReservation() {
            String script = """
                    device driver=%s
                    region VRAM size=256KiB visible=64KiB
                    bo A size=16KiB in VRAM
                    pin A                 expect OK
                    fault A page=0        expect MAPPED
                    kmap A by=fbdev       expect OK
                    %s
                    unmap A               expect OK
                    %s
                    """;
            // V3: the kmap of the pinned BO sees the io flag set and takes no reference; unmap_virtual then
            // clears the flag and frees: the kmap is left without an IO reservation.
            scenarioPasses(script.formatted("v3-atomic", "expect violation INV-1", "expect A kmaps=1 io=free\nexpect violation INV-7"));
            scenarioPasses(script.formatted("simple", "expect invariants ok", "expect A kmaps=1 io=reserved\nexpect invariants ok"));
        }
    }

    // ---- INV-8 io-balance ----------------------------------------------------------------------------
    @Nested
    class Inv8IoBalance {
        @Test
        void anIoMemFreeForABoWithoutReservationIsCaught() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("TT"));
            r.forge(Address.IO, new IoManager.IoFree("A"));
            r.assertOnly(Invariant.IO_BALANCE, "bo A");
            r.assertCaught(Invariant.IO_BALANCE, "io");
            assertEquals(1, r.sim.io().unbalancedFrees());
        }

        @Test
        void aSecondIoMemReserveWhileReservedIsCaught() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("TT"));
            r.fault("A");
            assertTrue(r.sim.io().isReserved("A"));
            r.checker.beforeApply(r.sim, Address.IO, new IoManager.ReserveCalled("A", -1, 4, false));
            r.assertOnly(Invariant.IO_BALANCE, "bo A");
        }

        @Test
        void aReservationNoBoAccountsForIsCaughtAtQuiescence() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("TT"));
            r.sim.corrupt(Address.IO, new IoManager.ReserveCalled("A", -1, 4, false)); // the driver holds one, A has no reference
            r.check();
            r.assertOnly(Invariant.IO_BALANCE, "bo A");
        }

        @Test
        void balancedReserveAndFreeAreFine() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("TT"));
            r.fault("A");
            r.ok("A", id -> new BufferObject.Unmap(null, id, r.client), Outcome.OK);
            r.ok("A", id -> new BufferObject.Unmap(null, id, r.client), Outcome.OK); // test for zero: no second free
            assertEquals(1, r.sim.io().reserveCalls());
            assertEquals(1, r.sim.io().freeCalls());
            assertEquals(0, r.sim.io().unbalancedFrees());
            r.assertClean();
        }

        @Test
        void v3AtomicUnmapVirtualFreesWithoutTestingForZero() {
            String script = """
                    device driver=%s
                    region VRAM size=256KiB visible=64KiB
                    bo A size=16KiB in VRAM
                    unmap A               expect OK
                    %s
                    expect io-reserves=0 io-frees=%d
                    """;
            scenarioPasses(script.formatted("v3-atomic", "expect violation INV-8", 1));
            scenarioPasses(script.formatted("simple", "expect invariants ok", 0));
        }
    }

    // ---- INV-9 fresh-resource ------------------------------------------------------------------------
    @Nested
    class Inv9FreshResource {
        @Test
        void aNewResourceCarryingAnIoReferenceIsCaught() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("TT"));
            r.reserve("A", "k");
            r.sim.corrupt(new Address.Bo("A"), new BufferObject.IoRefsChanged(1, false)); // a reference that no mapping or kmap explains
            r.checker.beforeApply(r.sim, new Address.Bo("A"), new BufferObject.Moved(r.bo("A").resource(), res("VRAM", 0, 4), false, FenceSet.NONE, null));
            r.assertOnly(Invariant.FRESH_RESOURCE, "bo A");
        }

        @Test
        void movingWithAKmapIsCaughtAsBothUnmapAndFreshResource() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("TT"));
            r.reserve("A", "k");
            r.ok("A", id -> new BufferObject.Kmap("k", id, r.client), Outcome.OK);
            r.checker.beforeApply(r.sim, new Address.Bo("A"), new BufferObject.Moved(r.bo("A").resource(), res("VRAM", 0, 4), false, FenceSet.NONE, null));
            r.assertCaught(Invariant.FRESH_RESOURCE, "bo A");
            r.assertCaught(Invariant.UNMAP_BEFORE_MOVE, "bo A");
        }

        @Test
        void aMoveAfterTheIoReservationWasDroppedIsFine() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("TT"));
            r.fault("A");
            r.ok("A", id -> new BufferObject.Validate(Placement.of(Place.of("VRAM")), null, false, id, r.client), Outcome.OK);
            assertEquals(0, r.bo("A").ioRefs());
            assertFalse(r.sim.io().isReserved("A"));
            r.reserve("A", "k");
            r.checker.beforeApply(r.sim, new Address.Bo("A"), new BufferObject.Moved(r.bo("A").resource(), res("TT", 0, 4), false, FenceSet.NONE, null));
            r.assertClean();
        }
    }

    // ---- INV-10 lru ----------------------------------------------------------------------------------
    @Nested
    class Inv10Lru {
        @Test
        void aResidentUnpinnedBoOffItsLruIsCaught() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("VRAM"));
            r.forge(new Address.Region("VRAM"), new RegionManager.LruUpdate("A", 0, false));
            assertFalse(r.region("VRAM").onLru("A"));
            r.assertOnly(Invariant.LRU, "bo A");
            r.assertCaught(Invariant.LRU, "region VRAM");
        }

        @Test
        void aPinnedBoOnAnLruIsCaught() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("VRAM"));
            r.pin("A");
            assertFalse(r.region("VRAM").onLru("A"));
            r.forge(new Address.Region("VRAM"), new RegionManager.LruUpdate("A", 0, true));
            r.assertOnly(Invariant.LRU, "bo A");
            r.assertCaught(Invariant.LRU, "region VRAM");
        }

        @Test
        void aBoOnTheLruOfARegionItDoesNotLiveInIsCaught() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("VRAM"));
            r.create("B", 4, Place.of("TT"));
            Address tt = new Address.Region("TT");
            // TT's LRU lists A (it also gets an allocation record so that only the LRU is wrong about where A lives).
            r.sim.corrupt(tt, new RegionManager.Allocated(new RegionManager.Allocation("A", 20, 4, 0, 32), 0, true, FenceSet.NONE));
            r.check();
            r.assertCaught(Invariant.LRU, "bo A");
        }

        @Test
        void lruBumpsAndPinningAreFine() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("VRAM"));
            r.create("B", 4, Place.of("VRAM"));
            r.forge(new Address.Region("VRAM"), new RegionManager.LruUpdate("A", 0, true)); // a bump to the tail
            assertEquals(List.of("B", "A"), r.region("VRAM").lruOrder());
            r.pin("B");
            assertEquals(List.of("A"), r.region("VRAM").lruOrder());
            r.assertClean();
        }
    }

    // ---- INV-11 single-residence ---------------------------------------------------------------------
    @Nested
    class Inv11SingleResidence {
        @Test
        void aSecondAllocationOfTheSameBoIsCaught() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("VRAM"));
            r.sim.corrupt(new Address.Region("VRAM"), new RegionManager.Allocated(new RegionManager.Allocation("A", 40, 4, 0, VRAM_PAGES), 0, false, FenceSet.NONE));
            r.check();
            r.assertOnly(Invariant.SINGLE_RESIDENCE, "bo A");
            r.assertCaught(Invariant.SINGLE_RESIDENCE, "region VRAM");
        }

        @Test
        void aResourceTheRegionNoLongerHoldsIsCaught() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("VRAM"));
            Resource a = r.bo("A").resource();
            // A Free that A never sent: the region lets go of pages A still uses.
            r.forge(new Address.Region("VRAM"), new RegionManager.Free("A", a.startPage(), a.pages(), FenceSet.NONE, null));
            r.assertCaught(Invariant.SINGLE_RESIDENCE, "bo A");
            r.assertCaught(Invariant.SINGLE_RESIDENCE, "region VRAM");
        }

        @Test
        void aMoveWithItsFreeStillInFlightIsFine() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("VRAM"));
            long id = r.sim.newRequestId();
            r.sim.submit(r.client, new Address.Bo("A"), new BufferObject.Validate(Placement.of(Place.of("TT")), null, false, id, r.client));
            // Step by step: the checker runs after each message, while the Free to VRAM and the grant are in flight.
            while (r.sim.step()) assertTrue(r.checker.all().isEmpty(), () -> r.checker.all().toString());
            assertEquals(Outcome.OK, r.sim.reply(id).outcome());
            assertEquals("TT", r.bo("A").resource().region());
            r.assertClean();
        }
    }

    // ---- INV-12 liveness -----------------------------------------------------------------------------
    @Nested
    class Inv12Liveness {
        @Test
        void aRequestWithoutReplyThatWaitsForNothingIsCaughtAtQuiescence() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("VRAM"));
            r.reserve("A", "k");
            long waiting = r.sim.newRequestId();
            r.sim.submit(r.client, new Address.Bo("A"), new BufferObject.Reserve("p", null, false, 0, waiting, r.client));
            assertTrue(r.sim.settle(1000));
            assertEquals(null, r.sim.reply(waiting));
            assertEquals(List.of(waiting), r.bo("A").parkedRequests());
            r.assertClean(); // parked behind k's reservation: legitimately waiting
            r.sim.corrupt(new Address.Bo("A"), new BufferObject.Dequeued()); // the BO forgets the waiter: nobody will ever answer
            assertTrue(r.sim.idle());
            r.check();
            r.assertOnly(Invariant.LIVENESS, "request " + waiting);
        }

        @Test
        void aDuplicateReplyIsCaught() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("TT"));
            long id = r.sim.newRequestId();
            // The same request id twice: the BO answers both, so the client sees request `id` answered twice.
            r.sim.submit(r.client, new Address.Bo("A"), new BufferObject.Fence(null, id, r.client));
            r.sim.submit(r.client, new Address.Bo("A"), new BufferObject.Fence(null, id, r.client));
            assertTrue(r.sim.settle(1000));
            r.assertOnly(Invariant.LIVENESS, "request " + id);
        }

        @Test
        void anOperationStuckAtQuiescenceIsCaught() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("TT"));
            Address a = new Address.Bo("A");
            r.sim.corrupt(a, new BufferObject.Reserved(new BufferObject.Holder("fault", null, BufferObject.HolderKind.OPERATION)));
            r.sim.corrupt(a, new BufferObject.OpChanged(new BufferObject.Running(new BufferObject.Fault(0, 999, r.client), true,
                    BufferObject.Phase.HOOK, null, false, 0, 0, null, null, 0, null)));
            r.check(); // idle: the fault hook's answer will never come
            r.assertOnly(Invariant.LIVENESS, "bo A");
        }

        @Test
        void everyRequestAnsweredOnceIsFine() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("TT"));
            r.reserve("A", "k");
            long waiting = r.sim.newRequestId();
            r.sim.submit(r.client, new Address.Bo("A"), new BufferObject.Reserve("p", null, false, 0, waiting, r.client));
            r.ok("A", id -> new BufferObject.Unreserve("k", id, r.client), Outcome.OK);
            assertEquals(Outcome.OK, r.sim.reply(waiting).outcome());
            r.ok("A", id -> new BufferObject.Unreserve("p", id, r.client), Outcome.OK);
            r.ok("A", id -> new BufferObject.Fence(null, id, r.client), Outcome.OK);
            r.ok("A", id -> new BufferObject.Fence(null, id, r.client), Outcome.OK);
            assertTrue(r.sim.pendingRequests().isEmpty());
            r.assertClean();
        }
    }

    // ---- INV-13 deleted ------------------------------------------------------------------------------
    @Nested
    class Inv13Deleted {
        @Test
        void aDestroyedIdleBoStillHoldingItsResourceIsCaught() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("VRAM"));
            r.ok("A", id -> new BufferObject.Fence(null, id, r.client), Outcome.OK);
            r.ok("A", id -> new BufferObject.Destroy(null, id, r.client), Outcome.OK);
            r.assertClean(); // busy: the memory is freed when the fence signals
            r.sim.corrupt(new Address.Bo("A"), new BufferObject.Signaled()); // the fence signals, but nobody frees the memory
            r.check();
            r.assertOnly(Invariant.DELETED, "bo A");
        }

        @Test
        void aDestroyedBoThatIsStillMappedIsCaught() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("TT"));
            r.ok("A", id -> new BufferObject.Destroy(null, id, r.client), Outcome.OK);
            r.sim.corrupt(new Address.Bo("A"), new BufferObject.Mapped());
            r.check();
            r.assertCaught(Invariant.DELETED, "bo A");
        }

        @Test
        void aDelayedDestroyCompletedBySignalIsFine() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("VRAM"));
            r.fault("A");
            r.ok("A", id -> new BufferObject.Fence(null, id, r.client), Outcome.OK);
            r.ok("A", id -> new BufferObject.Destroy(null, id, r.client), Outcome.OK);
            assertFalse(r.bo("A").mapped());
            assertNotNull(r.bo("A").resource());
            r.ok("A", id -> new BufferObject.Signal(id, r.client), Outcome.OK);
            assertEquals(null, r.bo("A").resource());
            assertEquals(0, r.region("VRAM").usedPages());
            r.assertClean();
        }
    }

    // ---- INV-14 fence-safety -------------------------------------------------------------------------
    @Nested
    class Inv14FenceSafety {
        /** A busy A moved from VRAM to TT: its old pages are held by a ghost until its fence signals. */
        private Rig busyMove() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("VRAM"));
            r.ok("A", id -> new BufferObject.Fence(null, id, r.client), Outcome.OK);
            r.ok("A", id -> new BufferObject.Validate(Placement.of(Place.of("TT")), null, false, id, r.client), Outcome.OK);
            assertEquals(1, r.region("VRAM").ghosts().size());
            r.assertClean();
            return r;
        }

        @Test
        void aGhostFreedBeforeItsFencesSignalIsCaught() {
            Rig r = busyMove();
            String ghost = r.region("VRAM").ghosts().keySet().iterator().next();
            RegionManager.Allocation a = r.region("VRAM").allocationsOf(ghost).get(0);
            r.checker.beforeApply(r.sim, new Address.Region("VRAM"), new RegionManager.Freed(ghost, a.startPage(), a.pages()));
            r.assertOnly(Invariant.FENCE_SAFETY, ghost);
        }

        @Test
        void pagesGivenToANewResourceWithoutTheFormerHoldersFencesAreCaught() {
            Rig r = busyMove();
            String ghost = r.region("VRAM").ghosts().keySet().iterator().next();
            RegionManager.Allocation a = r.region("VRAM").allocationsOf(ghost).get(0);
            r.create("B", 4, Place.of("TT"));
            r.reserve("B", "k");
            Resource reused = new Resource("VRAM", a.startPage(), a.pages(), 0, VRAM_PAGES);
            r.checker.beforeApply(r.sim, new Address.Bo("B"), new BufferObject.Moved(r.bo("B").resource(), reused, false, FenceSet.NONE, null));
            r.assertOnly(Invariant.FENCE_SAFETY, "bo B");
        }

        @Test
        void theSamePagesCarryingTheFencesAsAMoveFenceAreFine() {
            Rig r = busyMove();
            RegionManager.Allocation a = r.region("VRAM").allocationsOf(r.region("VRAM").ghosts().keySet().iterator().next()).get(0);
            r.create("B", 4, Place.of("TT"));
            r.reserve("B", "k");
            Resource reused = new Resource("VRAM", a.startPage(), a.pages(), 0, VRAM_PAGES);
            r.checker.beforeApply(r.sim, new Address.Bo("B"), new BufferObject.Moved(r.bo("B").resource(), reused, false, FenceSet.of("A", 1), null));
            assertTrue(r.checker.all().isEmpty(), () -> "carrying the fence is allowed: " + r.checker.all());
        }

        @Test
        void aBusyEvictionFreesAtOnceAndTheNextResourceCarriesTheMoveFence() {
            Rig r = new Rig();
            r.create("A", 64, Place.of("VRAM"));                        // all of VRAM
            r.ok("A", id -> new BufferObject.Fence(null, id, r.client), Outcome.OK);
            r.create("B", 64, Place.of("VRAM"));                        // evicts busy A, pipelined
            assertEquals("SYSTEM", r.bo("A").resource().region()); // TT is too small
            assertEquals(FenceSet.of("A", 1), r.bo("B").moveFence());   // B's pages wait for A's fence
            assertEquals(FenceSet.of("A", 1), r.region("VRAM").moveFence());
            r.assertClean();
            r.ok("A", id -> new BufferObject.Signal(id, r.client), Outcome.OK);
            assertTrue(r.bo("B").moveFence().isEmpty());
            assertTrue(r.region("VRAM").moveFence().isEmpty());
            r.assertClean();
        }

        @Test
        void aDelayedDestroyThatFreesEarlyIsCaught() {
            Rig r = new Rig();
            r.create("A", 4, Place.of("VRAM"));
            r.ok("A", id -> new BufferObject.Fence(null, id, r.client), Outcome.OK);
            r.ok("A", id -> new BufferObject.Destroy(null, id, r.client), Outcome.OK);
            Resource res = r.bo("A").resource();
            r.checker.beforeApply(r.sim, new Address.Bo("A"), new BufferObject.Moved(res, null, false, FenceSet.NONE, null));
            r.checker.beforeApply(r.sim, new Address.Region("VRAM"), new RegionManager.Freed("A", res.startPage(), res.pages()));
            r.assertCaught(Invariant.FENCE_SAFETY, "bo A");
        }
    }

    @Test
    void everyInvariantIdHasATitle() {
        List<String> ids = List.of(Invariant.RESERVATION, Invariant.PINNED_STAYS, Invariant.PIN_COUNT, Invariant.CAPACITY,
                Invariant.RANGE, Invariant.UNMAP_BEFORE_MOVE, Invariant.CPU_VISIBLE, Invariant.IO_BALANCE,
                Invariant.FRESH_RESOURCE, Invariant.LRU, Invariant.SINGLE_RESIDENCE, Invariant.LIVENESS, Invariant.DELETED,
                Invariant.FENCE_SAFETY);
        for (int i = 0; i < ids.size(); i++) {
            assertEquals("INV-" + (i + 1), ids.get(i));
            assertFalse(Invariant.title(ids.get(i)).contains("?"), ids.get(i));
        }
        assertEquals(14, ids.stream().collect(Collectors.toSet()).size());
    }
}
