package dev.ttm.protocol.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Every statement kind and every outcome of the scenario language (docs/scenario-language.md), as small scenarios run through
 * {@link ScenarioRunner#runSource}. The expectations live inside the scripts; a script passes when the runner
 * exits 0 and every line that carries {@code expect} was evaluated and held. Then the runner's own contract:
 * exit statuses, FAIL lines, script errors, unclaimed violations, blocked operations.
 */
class StatementsTest {
    /** What one run came to: the runner's result and everything it printed. */
    record Run(ScenarioRunner.Result result, String out) {
        List<String> lines() {
            return out.lines().toList();
        }

        /** The printed line for script line {@code n} (the first, if the runner printed several). */
        String line(int n) {
            String tag = ":" + n + "  ";
            return lines().stream().filter(l -> l.contains(tag)).findFirst().orElse("(no line " + n + " printed)");
        }
    }

    static Run run(String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ScenarioRunner.Result r = ScenarioRunner.runSource("t.ttm", text, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return new Run(r, bytes.toString(StandardCharsets.UTF_8));
    }

    /** Lines of the script (comments stripped) that carry an expectation: each must be reported as passed. */
    static int expectations(String text) {
        int n = 0;
        for (String line : text.split("\n")) {
            int hash = line.indexOf('#');
            String code = hash >= 0 ? line.substring(0, hash) : line;
            if (List.of(code.strip().split("\\s+")).contains("expect")) n++;
        }
        return n;
    }

    /** The script runs, exits 0, and every expectation in it was checked and held. */
    static Run passes(String text) {
        Run r = run(text);
        assertEquals(List.of(), r.result().scriptErrors(), "script errors");
        assertNull(r.result().internalError(), () -> "internal error:\n" + r.out());
        assertEquals(0, r.result().failed(), () -> "failed expectations:\n" + r.out());
        assertEquals(expectations(text), r.result().passed(), () -> "every expectation must be evaluated:\n" + r.out());
        assertEquals(ScenarioRunner.EXIT_OK, r.result().exitStatus(), r::out);
        return r;
    }

    // =====================================================================================================
    @Nested
    class SetUp {
        @Test
        void devicePageSizeSetsThePageUnit() {
            passes("""
                    device page=8KiB
                    region VRAM size=64KiB visible=16KiB
                    bo A size=2p in VRAM      expect OK
                    expect VRAM used=16KiB free=48KiB
                    bo B size=8KiB in VRAM    expect OK
                    expect VRAM used=24KiB
                    expect moved=24KiB
                    """);
        }

        @Test
        void regionSizeVisibleAndCpuVisibility() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    region TT size=128KiB
                    region PRIV size=64KiB cpu-visible=no
                    bo A size=16KiB in VRAM:topdown    # outside the 64KiB window
                    expect A in VRAM
                    fault A page=0       expect MAPPED
                    expect A in VRAM:visible            # made visible: moved into the window
                    bo T size=16KiB in TT
                    fault T page=0       expect MAPPED
                    expect T in TT                      # TT is CPU-visible: no move
                    bo P size=16KiB in PRIV
                    fault P page=0       expect MAPPED
                    expect P in VRAM:visible            # PRIV is not CPU-visible
                    expect moved=80KiB                  # three creations, two moves
                    expect invariants ok
                    """);
        }

        @Test
        void aCpuVisibleVramIsMappableEverywhere() {
            passes("""
                    region VRAM size=256KiB visible=64KiB cpu-visible=yes
                    bo A size=16KiB in VRAM:topdown
                    fault A page=0       expect MAPPED
                    expect A in VRAM:visible
                    expect moved=16KiB                  # no move for the fault
                    """);
        }

        @Test
        void evictToChoosesTheVictimsTarget() {
            passes("""
                    region VRAM size=32KiB visible=16KiB evict-to=PRIV
                    region PRIV size=16KiB evict-to=purge
                    bo A size=16KiB in VRAM
                    bo B size=16KiB in VRAM
                    bo C size=16KiB in VRAM      expect OK   # evicts A to PRIV
                    expect A in PRIV
                    bo D size=16KiB in VRAM      expect OK   # evicts B to PRIV, which purges A
                    expect B in PRIV
                    expect A in none
                    expect PRIV lru=B
                    expect evictions=3
                    expect invariants ok
                    """);
        }

        @Test
        void aSizedSystemNeverEvicts() {
            passes("""
                    region VRAM size=64KiB visible=16KiB
                    region SYSTEM size=32KiB
                    bo S1 size=16KiB in SYSTEM   expect OK
                    bo S2 size=16KiB in SYSTEM   expect OK
                    bo S3 size=16KiB in SYSTEM   expect ENOMEM
                    expect S1 in SYSTEM
                    expect S2 in SYSTEM
                    expect SYSTEM used=32KiB free=0
                    expect evictions=0
                    """);
        }

        @Test
        void injectAllocatorNospaceAndBusy() {
            passes("""
                    region VRAM size=64KiB visible=16KiB
                    region TT size=64KiB
                    inject VRAM alloc=busy count=1
                    inject VRAM alloc=nospace count=2
                    bo A size=16KiB in TT
                    validate A VRAM      expect EBUSY    # the allocator is busy once
                    expect A in TT
                    validate A VRAM      expect ENOMEM   # no space, in both passes
                    expect A in TT
                    validate A VRAM      expect OK       # injections used up
                    expect A in VRAM
                    """);
        }

        @Test
        void injectDriverIoReserve() {
            passes("""
                    region VRAM size=64KiB visible=16KiB
                    inject driver io-reserve=EIO count=1
                    inject driver io-reserve=ENOSPC count=1
                    bo A size=16KiB in VRAM
                    fault A page=0       expect SIGBUS   # io_mem_reserve failed
                    expect A mapped=no io=free
                    reserve A by=k
                    kmap A by=k          expect ENOMEM   # ENOSPC
                    expect A kmaps=0
                    kmap A by=k          expect OK
                    kunmap A by=k        expect OK
                    unreserve A by=k     expect OK
                    expect io-reserves=1 io-frees=1
                    expect invariants ok
                    """);
        }

        @Test
        void injectDriverFaultNotify() {
            passes("""
                    region VRAM size=64KiB visible=16KiB
                    inject driver fault-notify=EBUSY count=1
                    inject driver fault-notify=ERESTARTSYS count=1
                    inject driver fault-notify=EIO count=1
                    bo A size=16KiB in VRAM
                    fault A page=0       expect RETRY    # busy
                    fault A page=0       expect RETRY    # interrupted
                    fault A page=0       expect SIGBUS   # a hard error
                    fault A page=0       expect MAPPED
                    """);
        }

        @Test
        void ioLruDriverEvictsTheLeastRecentlyUsedMapping() {
            passes("""
                    device driver=io-lru aperture=32KiB
                    region VRAM size=256KiB visible=32KiB
                    bo A size=16KiB in VRAM:topdown
                    bo B size=16KiB in VRAM:topdown
                    bo C size=16KiB in VRAM:topdown
                    fault A page=0       expect MAPPED
                    expect A in VRAM                    # reachable through the aperture: no move
                    fault B page=0       expect MAPPED
                    fault C page=0       expect MAPPED   # the aperture is full: A's mapping goes
                    expect A mapped=no io=free
                    expect B mapped=yes io=reserved
                    expect io-reserves=3 io-frees=1
                    fault A page=0       expect MAPPED   # now B's
                    expect B mapped=no io=free
                    expect moved=48KiB
                    expect invariants ok
                    """);
        }

        @Test
        void ioLruNeverEvictsAPinnedMapping() {
            passes("""
                    device driver=io-lru aperture=32KiB
                    region VRAM size=256KiB visible=32KiB
                    bo A size=16KiB in VRAM:topdown
                    bo B size=16KiB in VRAM:topdown
                    bo C size=16KiB in VRAM:topdown
                    pin A                expect OK
                    fault A page=0       expect MAPPED
                    fault B page=0       expect MAPPED
                    fault C page=0       expect MAPPED   # B's mapping goes, not pinned A's
                    expect A mapped=yes io=reserved
                    expect B mapped=no io=free
                    expect invariants ok
                    """);
        }
    }

    // =====================================================================================================
    @Nested
    class Bo {
        @Test
        void okPlacesTheBoAndCountsTheMove() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    region TT size=128KiB
                    bo A size=64KiB in VRAM          expect OK
                    bo B size=16KiB in VRAM:topdown  expect OK
                    bo C size=16KiB                  expect OK   # no placement: SYSTEM
                    bo D size=16KiB in VRAM:range=32..36 expect OK
                    expect A in VRAM:visible
                    expect B in VRAM
                    expect C in SYSTEM
                    expect D in VRAM
                    expect VRAM used=96KiB free=160KiB
                    expect moved=112KiB
                    expect VRAM lru=A,B,D
                    expect SYSTEM lru=C
                    """);
        }

        @Test
        void enomemLeavesTheBoWithoutAResource() {
            passes("""
                    region VRAM size=64KiB visible=16KiB
                    bo H size=128KiB in VRAM     expect ENOMEM
                    expect H in none
                    expect VRAM used=0 lru=
                    expect moved=0
                    validate H VRAM          expect ENOMEM   # it exists: operations reach it
                    fault H page=0           expect SIGBUS   # no resource
                    validate H SYSTEM        expect OK
                    expect H in SYSTEM
                    """);
        }

        @Test
        void anEmptyPlacementCreatesWithoutResource() {
            passes("""
                    region VRAM size=64KiB visible=16KiB
                    bo N size=16KiB in none  expect OK
                    expect N in none
                    expect moved=0
                    """);
        }

        @Test
        void priorityOrdersTheLruAndTheEvictionWalk() {
            passes("""
                    region VRAM size=32KiB visible=16KiB
                    region TT size=64KiB
                    bo A size=16KiB in VRAM priority=1
                    bo B size=16KiB in VRAM priority=0
                    expect VRAM lru=B,A
                    bo C size=16KiB in VRAM  expect OK   # B (priority 0) goes first although A is older
                    expect B in TT
                    expect A in VRAM
                    expect VRAM lru=C,A
                    """);
        }
    }

    // =====================================================================================================
    @Nested
    class Reserve {
        static final String PRE = """
                region VRAM size=256KiB visible=64KiB
                bo A size=16KiB in VRAM
                bo B size=16KiB in VRAM
                """;

        @Test
        void okAndReservedBy() {
            passes(PRE + """
                    expect A reserved-by=none
                    reserve A by=p           expect OK
                    expect A reserved-by=p
                    reserve B by=p nowait    expect OK   # nowait on a free BO
                    expect B reserved-by=p
                    """);
        }

        @Test
        void theHolderAgainIsEalready() {
            passes(PRE + """
                    reserve A by=p           expect OK
                    reserve A by=p           expect EALREADY
                    reserve A by=p nowait    expect EALREADY
                    expect A reserved-by=p
                    """);
        }

        @Test
        void nowaitOnAHeldBoIsEbusy() {
            passes(PRE + """
                    reserve A by=p           expect OK
                    reserve A by=q nowait    expect EBUSY
                    expect A reserved-by=p
                    """);
        }

        @Test
        void nowaitWithATicketIsRefusedWithEbusy() {
            passes(PRE + """
                    reserve A by=p ticket=3 nowait  expect EBUSY   # even on a free BO
                    expect A reserved-by=none
                    """);
        }

        @Test
        void theSameTicketTwiceIsEalready() {
            passes(PRE + """
                    reserve A by=p ticket=5  expect OK
                    reserve A by=q ticket=5  expect EALREADY
                    expect A reserved-by=p
                    """);
        }

        @Test
        void aYoungerTicketHoldingAnotherBoMeetingAnOlderHolderIsEdeadlk() {
            passes(PRE + """
                    reserve A by=p ticket=5  expect OK
                    reserve B by=q ticket=9  expect OK
                    reserve A by=q ticket=9  expect EDEADLK   # ww_ctx->acquired > 0: die
                    expect A reserved-by=p
                    expect B reserved-by=q                    # backing off is the caller's business
                    """);
        }

        @Test
        void aYoungerTicketHoldingNothingWaits() {
            passes(PRE + """
                    reserve A by=p ticket=5  expect OK
                    start reserve A by=q ticket=9 as H        # ww_ctx->acquired == 0: waits
                    settle
                    expect A reserved-by=p
                    unreserve A by=p         expect OK
                    await H                  expect OK
                    expect A reserved-by=q
                    """);
        }

        @Test
        void ticketedWaitersAreServedInTicketOrderTicketlessOnesKeepTheirPlace() {
            passes(PRE + """
                    reserve A by=k           expect OK
                    start reserve A by=w9 ticket=9 as W9
                    start reserve A by=plain as P             # no ticket: the tail
                    start reserve A by=w3 ticket=3 as W3      # before the younger w9
                    start reserve A by=w6 ticket=6 as W6      # between w3 and w9
                    settle
                    unreserve A by=k         expect OK
                    await W3                 expect OK
                    unreserve A by=w3        expect OK
                    await W6                 expect OK
                    unreserve A by=w6        expect OK
                    await W9                 expect OK
                    unreserve A by=w9        expect OK
                    await P                  expect OK
                    expect A reserved-by=plain
                    """);
        }

        @Test
        void anOlderWaiterKillsYoungerWaitersThatHoldReservations() {
            passes(PRE + """
                    reserve A by=k           expect OK        # no ticket: nobody dies against k
                    reserve B by=y ticket=9  expect OK
                    start reserve A by=y ticket=9 as Y        # holds B, waits: k has no ticket
                    settle
                    start reserve A by=o ticket=2 as O        # older: y, holding B, dies
                    await Y                  expect EDEADLK
                    unreserve A by=k         expect OK
                    await O                  expect OK
                    expect invariants ok
                    """);
        }

        @Test
        void aYoungerTicketHoldingReservationsDiesBehindAnOlderWaiter() {
            passes(PRE + """
                    reserve A by=k           expect OK
                    start reserve A by=o ticket=2 as O        # older, holds nothing: waits
                    settle
                    reserve B by=y ticket=9  expect OK
                    reserve A by=y ticket=9  expect EDEADLK   # o waits already: die at once
                    unreserve A by=k         expect OK
                    await O                  expect OK
                    """);
        }

        @Test
        void anOlderTicketWaits() {
            passes(PRE + """
                    reserve A by=p ticket=5  expect OK
                    start reserve A by=q ticket=2 as H
                    settle
                    expect A reserved-by=p
                    unreserve A by=p         expect OK
                    await H                  expect OK
                    expect A reserved-by=q
                    """);
        }

        @Test
        void waitersAreServedInFifoOrder() {
            passes(PRE + """
                    reserve A by=k           expect OK
                    start reserve A by=p as P
                    start reserve A by=q as Q
                    settle
                    unreserve A by=k         expect OK
                    await P                  expect OK
                    expect A reserved-by=p
                    unreserve A by=p         expect OK
                    await Q                  expect OK
                    expect A reserved-by=q
                    """);
        }
    }

    // =====================================================================================================
    @Nested
    class Unreserve {
        static final String PRE = """
                region VRAM size=256KiB visible=64KiB
                region TT size=256KiB
                bo A size=16KiB in VRAM
                bo B size=16KiB in VRAM
                """;

        @Test
        void okReleasesAndBumpsTheLru() {
            passes(PRE + """
                    expect VRAM lru=A,B
                    reserve A by=p           expect OK
                    unreserve A by=p         expect OK
                    expect A reserved-by=none
                    expect VRAM lru=B,A                  # every release: to the LRU tail
                    """);
        }

        @Test
        void notTheHolderIsEperm() {
            passes(PRE + """
                    unreserve A by=p         expect EPERM    # not reserved at all
                    reserve A by=p           expect OK
                    unreserve A by=q         expect EPERM    # reserved by someone else
                    expect A reserved-by=p
                    """);
        }

        @Test
        void aKmapOutstandingIsEbusy() {
            passes(PRE + """
                    reserve A by=p           expect OK
                    kmap A by=p              expect OK
                    unreserve A by=p         expect EBUSY
                    expect A reserved-by=p kmaps=1
                    kunmap A by=p            expect OK
                    unreserve A by=p         expect OK
                    expect invariants ok
                    """);
        }
    }

    // =====================================================================================================
    @Nested
    class Validate {
        static final String PRE = """
                region VRAM size=256KiB visible=64KiB
                region TT size=128KiB
                bo A size=64KiB in VRAM
                """;

        @Test
        void okMovesAndOkWithoutMoveWhenCompatible() {
            passes(PRE + """
                    validate A TT            expect OK
                    expect A in TT
                    expect VRAM used=0
                    expect TT used=64KiB
                    validate A TT,VRAM       expect OK   # already compatible: no move
                    expect A in TT
                    expect moved=128KiB
                    validate A VRAM:visible  expect OK
                    expect A in VRAM:visible
                    """);
        }

        @Test
        void enomemLeavesTheBoWhereItWas() {
            passes(PRE + """
                    bo C size=512KiB         expect OK
                    validate C VRAM          expect ENOMEM
                    expect C in SYSTEM
                    validate C PRIV          expect ENOMEM   # an undeclared region is skipped: ENOMEM, not EINVAL
                    expect C in SYSTEM
                    """);
        }

        @Test
        void aPinnedBoThatWouldMoveIsEinval() {
            passes(PRE + """
                    pin A                    expect OK
                    validate A TT            expect EINVAL
                    validate A none          expect EINVAL   # nor purged
                    validate A VRAM          expect OK       # compatible: no move needed
                    expect A in VRAM pinned=1
                    """);
        }

        @Test
        void nowaitIsEbusyWhenReservedOrBusy() {
            passes(PRE + """
                    reserve A by=o           expect OK
                    validate A TT nowait     expect EBUSY    # reserved by someone else
                    validate A TT by=o       expect OK       # under the holder's reservation
                    expect A in TT reserved-by=o
                    unreserve A by=o         expect OK
                    fence A                  expect OK
                    validate A VRAM nowait   expect EBUSY    # busy and must not wait
                    expect A in TT
                    signal A                 expect OK
                    validate A VRAM nowait   expect OK
                    """);
        }

        @Test
        void aValidateFromAnotherCallerWaitsForTheHolder() {
            passes(PRE + """
                    reserve A by=o           expect OK
                    start validate A TT as V
                    settle
                    expect A in VRAM
                    unreserve A by=o         expect OK
                    await V                  expect OK
                    expect A in TT reserved-by=none
                    """);
        }

        @Test
        void anEmptyPlacementPurges() {
            passes(PRE + """
                    validate A none          expect OK
                    expect A in none
                    expect VRAM used=0 lru=
                    """);
        }

        @Test
        void evictionWalksTheLruSkippingReservedAndPinnedVictims() {
            passes("""
                    region VRAM size=64KiB visible=16KiB
                    region TT size=64KiB
                    bo A size=16KiB in VRAM
                    bo B size=16KiB in VRAM
                    bo C size=16KiB in VRAM
                    bo D size=16KiB in VRAM
                    bo X size=16KiB in TT
                    reserve A by=k           expect OK
                    pin B                    expect OK
                    expect VRAM lru=A,C,D
                    validate X VRAM          expect OK   # A is reserved, B pinned: C goes
                    expect C in TT
                    expect X in VRAM
                    expect A in VRAM
                    expect B in VRAM
                    expect evictions=1
                    unreserve A by=k         expect OK
                    expect invariants ok
                    """);
        }

        @Test
        void evictionOnlyTakesVictimsInTheRequestedRange() {
            passes("""
                    region VRAM size=64KiB visible=16KiB
                    region TT size=64KiB
                    bo A size=16KiB in VRAM
                    bo B size=16KiB in VRAM
                    bo C size=16KiB in VRAM
                    bo D size=16KiB in VRAM
                    bo X size=16KiB in VRAM:range=8..16  expect OK
                    expect A in VRAM
                    expect B in VRAM
                    expect C in TT                      # the first LRU victim that intersects 8..16
                    expect D in VRAM
                    expect VRAM lru=A,B,D,X
                    """);
        }

        @Test
        void desiredAndFallbackPlaces() {
            passes("""
                    region VRAM size=32KiB visible=16KiB
                    region TT size=64KiB
                    bo A size=16KiB in VRAM
                    bo B size=16KiB in VRAM
                    bo E size=16KiB in VRAM:desired             expect ENOMEM   # desired: never evicts
                    expect A in VRAM
                    bo F size=16KiB in VRAM:desired,TT:fallback  expect OK       # pass 2 takes the fallback
                    expect F in TT
                    expect A in VRAM
                    bo G size=16KiB in TT:fallback,SYSTEM        expect OK       # pass 1 skips the fallback
                    expect G in SYSTEM
                    """);
        }
    }

    // =====================================================================================================
    @Nested
    class Fault {
        @Test
        void mappedMakesVisibleReservesIoAndMaps() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    region TT size=64KiB
                    bo A size=16KiB in VRAM:topdown
                    fault A page=3           expect MAPPED
                    expect A in VRAM:visible mapped=yes io=reserved io-refs=1
                    fault A page=1           expect MAPPED   # already mapped: no second reservation
                    expect A io-refs=1
                    expect io-reserves=1 io-frees=0
                    expect invariants ok
                    """);
        }

        @Test
        void aBoStraddlingTheWindowEdgeIsNotCpuVisible() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    bo A size=16KiB in VRAM:range=14..18      # pages 14..17: half in the 16-page window
                    expect A in VRAM
                    fault A page=0           expect MAPPED     # only a resource entirely in the window is visible
                    expect A in VRAM:visible
                    unmap A                  expect OK
                    pin A VRAM:range=14..18  expect OK
                    kmap A by=f              expect EINVAL     # pinned outside CPU-visible memory
                    fault A page=0           expect SIGBUS
                    expect invariants ok
                    """);
        }

        @Test
        void retryWhenReservedByAnother() {
            passes("""
                    region VRAM size=256KiB visible=256KiB
                    bo A size=4KiB in VRAM
                    reserve A by=t1          expect OK
                    fault A page=0           expect RETRY
                    expect A mapped=no
                    unreserve A by=t1        expect OK
                    fault A page=0           expect MAPPED
                    """);
        }

        @Test
        void retryWhileAMoveFenceIsPending() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    region TT size=64KiB
                    bo F size=16KiB in TT
                    fence F                  expect OK
                    validate F SYSTEM        expect OK   # pipelined: the move waits for the fence
                    expect F in SYSTEM busy=yes
                    fault F page=0           expect RETRY
                    signal F                 expect OK
                    fault F page=0           expect MAPPED
                    """);
        }

        @Test
        void retryWhenTheBoMustMoveButIsBusy() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    region TT size=64KiB
                    bo A size=16KiB in VRAM:topdown
                    fence A                  expect OK
                    fault A page=0           expect RETRY
                    expect A in VRAM
                    signal A                 expect OK
                    fault A page=0           expect MAPPED
                    """);
        }

        @Test
        void retryWhenTheAllocatorIsBusy() {
            passes("""
                    region VRAM size=64KiB visible=16KiB
                    region PRIV size=64KiB cpu-visible=no
                    inject VRAM alloc=busy count=1
                    bo A size=16KiB in PRIV
                    fault A page=0           expect RETRY
                    expect A in PRIV
                    fault A page=0           expect MAPPED
                    expect A in VRAM:visible
                    """);
        }

        @Test
        void sigbusWithoutResourceOrBeyondTheEnd() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    bo A size=16KiB in VRAM
                    fault A page=4           expect SIGBUS   # 4 pages: 0..3
                    fault A page=3           expect MAPPED
                    bo N size=16KiB in none
                    fault N page=0           expect SIGBUS
                    """);
        }

        @Test
        void sigbusWhenPinnedOutsideTheWindow() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    bo P size=16KiB in VRAM:topdown
                    pin P                    expect OK
                    fault P page=0           expect SIGBUS
                    expect P in VRAM mapped=no
                    """);
        }

        @Test
        void sigbusWhenThereIsNoSpaceToMakeItVisible() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    region TT size=64KiB
                    bo W size=64KiB in VRAM:visible
                    pin W                    expect OK
                    bo T size=64KiB in TT
                    pin T                    expect OK
                    bo A size=16KiB in VRAM:topdown
                    fault A page=0           expect SIGBUS
                    expect A in VRAM mapped=no io=free
                    expect io-reserves=0 io-frees=0
                    expect invariants ok
                    """);
        }

        @Test
        void sigbusWhenThePagesCannotBePopulated() {
            // SCENARIOS inject: in SYSTEM "it is page population that fails (a fault, a kmap, a move into TT): nospace ->
            // the fault answers SIGBUS, busy -> RETRY"; DESIGN: as 6.x ttm_bo_vm_fault_reserved.
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    region TT size=256KiB
                    inject SYSTEM alloc=nospace
                    bo A size=16KiB          expect OK
                    expect A in SYSTEM
                    fault A page=0           expect SIGBUS
                    expect A mapped=no io=free
                    bo B size=16KiB in TT    expect OK   # creation never populates
                    fault B page=0           expect SIGBUS
                    reserve B by=k
                    kmap B by=k              expect ENOMEM
                    unreserve B by=k
                    bo V size=16KiB in VRAM  expect OK
                    validate V TT            expect ENOMEM   # a move into TT populates first
                    expect V in VRAM
                    expect TT used=16KiB
                    inject SYSTEM alloc=busy
                    fault A page=0           expect RETRY
                    validate V TT            expect EBUSY
                    expect invariants ok
                    """);
    }
    }

    // =====================================================================================================
    @Nested
    class KmapKunmap {
        @Test
        void okUnderTheReservationMovesIntoTheWindowAndCountsIoReferences() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    region TT size=64KiB
                    bo A size=16KiB in VRAM:topdown
                    reserve A by=k           expect OK
                    kmap A by=k              expect OK
                    expect A in VRAM:visible kmaps=1 io-refs=1 io=reserved
                    kmap A by=k              expect OK
                    expect A kmaps=2 io-refs=2
                    expect io-reserves=1 io-frees=0      # reserve only on 0 -> 1
                    kunmap A by=k            expect OK
                    kunmap A by=k            expect OK
                    expect A kmaps=0 io-refs=0 io=free
                    expect io-reserves=1 io-frees=1      # free only on 1 -> 0
                    unreserve A by=k         expect OK
                    expect invariants ok
                    """);
        }

        @Test
        void okOnAPinnedBoWithoutTheReservation() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    bo Q size=16KiB in VRAM
                    pin Q                    expect OK
                    kmap Q by=f              expect OK
                    expect Q kmaps=1 reserved-by=none
                    kunmap Q by=f            expect OK
                    expect Q kmaps=0 io=free
                    """);
        }

        @Test
        void epermWithoutReservationOrPin() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    bo A size=16KiB in VRAM
                    kmap A by=k              expect EPERM
                    reserve A by=p           expect OK
                    kmap A by=k              expect EPERM    # p holds it, not k
                    expect A kmaps=0
                    """);
        }

        @Test
        void enomemWhenItCannotBeMadeVisible() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    region TT size=64KiB
                    bo W size=64KiB in VRAM:visible
                    pin W                    expect OK
                    bo T size=64KiB in TT
                    pin T                    expect OK
                    bo A size=16KiB in VRAM:topdown
                    reserve A by=k           expect OK
                    kmap A by=k              expect ENOMEM
                    expect A in VRAM kmaps=0 io=free
                    """);
        }

        @Test
        void einvalWithoutResourceOrPinnedOutsideTheWindow() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    bo N size=16KiB in none
                    reserve N by=k           expect OK
                    kmap N by=k              expect EINVAL
                    unreserve N by=k         expect OK
                    bo P size=16KiB in VRAM:topdown
                    pin P                    expect OK
                    kmap P by=f              expect EINVAL
                    expect P kmaps=0
                    """);
        }

        @Test
        void kunmapWithoutAKmapIsEinval() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    bo A size=16KiB in VRAM
                    kunmap A by=z            expect EINVAL
                    """);
        }

        @Test
        void kunmapByTheHolderWithoutAKmapIsEinval() {
            // docs/semantics.md: "kunmap releases one kmap of that owner (none outstanding -> EINVAL)".
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    bo A size=16KiB in VRAM
                    reserve A by=k           expect OK
                    kunmap A by=k            expect EINVAL
                    expect A kmaps=0 io=free reserved-by=k
                    unreserve A by=k         expect OK
                    """);
        }
    }

    // =====================================================================================================
    @Nested
    class PinUnpin {
        @Test
        void okCountsAndTakesTheBoOffItsLru() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    bo A size=16KiB in VRAM
                    bo B size=16KiB in VRAM
                    pin A                    expect OK
                    expect A pinned=1
                    expect VRAM lru=B
                    pin A                    expect OK
                    expect A pinned=2
                    unpin A                  expect OK
                    expect VRAM lru=B
                    unpin A                  expect OK
                    expect A pinned=0
                    expect VRAM lru=B,A                  # the last unpin: back at the tail
                    """);
        }

        @Test
        void pinWithAPlacementValidatesFirst() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    region TT size=64KiB
                    bo A size=16KiB in VRAM:topdown
                    pin A VRAM:visible       expect OK
                    expect A in VRAM:visible pinned=1
                    pin A TT                 expect EINVAL   # pinned: would have to move
                    expect A pinned=1
                    pin A VRAM               expect OK       # compatible
                    expect A pinned=2
                    """);
        }

        @Test
        void pinWithoutSpaceIsEnomem() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    region TT size=64KiB
                    bo B size=128KiB
                    pin B TT                 expect ENOMEM
                    expect B in SYSTEM pinned=0
                    """);
        }

        @Test
        void unpinAtZeroIsEinvalWithAWarning() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    bo A size=16KiB in VRAM
                    unpin A                  expect EINVAL
                    expect A pinned=0
                    expect warnings=1
                    expect VRAM lru=A
                    """);
        }

        @Test
        void aPinnedBoIsNeverEvicted() {
            passes("""
                    region VRAM size=32KiB visible=16KiB
                    region TT size=64KiB
                    bo A size=16KiB in VRAM
                    bo B size=16KiB in VRAM
                    pin A                    expect OK
                    bo C size=16KiB in VRAM  expect OK
                    expect A in VRAM
                    expect B in TT
                    bo D size=16KiB in VRAM  expect OK
                    expect C in TT
                    expect A in VRAM pinned=1
                    evict-all VRAM           expect OK
                    expect A in VRAM
                    expect invariants ok
                    """);
        }
    }

    // =====================================================================================================
    @Nested
    class Unmap {
        @Test
        void unmapZapsAndFreesTheIoReservationOnlyOnce() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    bo A size=16KiB in VRAM
                    fault A page=0           expect MAPPED
                    unmap A                  expect OK
                    expect A mapped=no io=free io-refs=0
                    expect io-reserves=1 io-frees=1
                    unmap A                  expect OK       # test for zero: nothing to free
                    expect io-reserves=1 io-frees=1
                    expect invariants ok
                    """);
        }

        @Test
        void unmapKeepsTheReservationAKmapStillHolds() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    region TT size=64KiB
                    bo A size=16KiB in TT
                    fault A page=0           expect MAPPED
                    pin A                    expect OK
                    kmap A by=f              expect OK
                    expect A io-refs=2
                    unmap A                  expect OK
                    expect A io-refs=1 mapped=no io=reserved
                    expect io-reserves=1 io-frees=0
                    kunmap A by=f            expect OK
                    expect A io-refs=0 io=free
                    expect io-reserves=1 io-frees=1
                    unpin A                  expect OK
                    expect invariants ok
                    """);
        }

        @Test
        void aMoveUnmapsFirst() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    region TT size=64KiB
                    bo A size=16KiB in VRAM
                    fault A page=0           expect MAPPED
                    validate A TT            expect OK
                    expect A in TT mapped=no io=free
                    expect io-reserves=1 io-frees=1
                    expect invariants ok
                    """);
        }
    }

    // =====================================================================================================
    @Nested
    class FenceSignal {
        @Test
        void aFenceMakesTheBoBusyUntilSignaled() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    bo A size=16KiB in VRAM
                    expect A busy=no
                    fence A                  expect OK
                    fence A                  expect OK
                    expect A busy=yes
                    signal A                 expect OK       # signals all its fences
                    expect A busy=no
                    signal A                 expect OK       # nothing pending: still OK
                    expect A busy=no
                    """);
        }

        @Test
        void anEvictionWalkMovesABusyVictimPipelined() {
            passes("""
                    region VRAM size=32KiB visible=16KiB
                    region TT size=64KiB
                    bo A size=16KiB in VRAM
                    bo B size=16KiB in VRAM
                    fence A                  expect OK
                    reserve B by=k           expect OK
                    unreserve B by=k         expect OK
                    expect VRAM lru=A,B
                    bo C size=16KiB in VRAM  expect OK
                    expect A in TT busy=yes
                    signal A                 expect OK
                    expect A busy=no
                    expect invariants ok
                    """);
        }
    }

    // =====================================================================================================
    @Nested
    class Destroy {
        @Test
        void destroyUnmapsFreesAndLaterOperationsAreEnoent() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    region TT size=64KiB
                    bo A size=16KiB in VRAM
                    fault A page=0           expect MAPPED
                    destroy A                expect OK
                    expect A destroyed=yes mapped=no io=free in none
                    expect VRAM used=0 lru=
                    expect io-reserves=1 io-frees=1
                    reserve A by=k           expect ENOENT
                    unreserve A by=k         expect ENOENT
                    validate A TT            expect ENOENT
                    fault A page=0           expect ENOENT
                    kmap A by=k              expect ENOENT
                    kunmap A by=k            expect ENOENT
                    pin A                    expect ENOENT
                    unpin A                  expect ENOENT
                    unmap A                  expect ENOENT
                    fence A                  expect ENOENT
                    destroy A                expect ENOENT
                    execbuf A:VRAM ticket=1  expect ENOENT
                    signal A                 expect OK       # fences still signal
                    expect invariants ok
                    """);
        }

        @Test
        void aBusyBoIsFreedWhenItsFenceSignals() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    region TT size=64KiB
                    bo B size=16KiB in TT
                    fence B                  expect OK
                    destroy B                expect OK
                    expect B destroyed=yes busy=yes in TT
                    expect TT used=16KiB
                    expect invariants ok
                    signal B                 expect OK
                    expect B in none busy=no
                    expect TT used=0 lru=
                    expect invariants ok
                    """);
        }

        @Test
        void anEvictionWaitsForADestroyedBusyBoAndFreesItInsteadOfMovingIt() {
            passes("""
                    region VRAM size=32KiB visible=16KiB
                    region TT size=32KiB
                    bo D size=16KiB in VRAM
                    bo E size=16KiB in VRAM
                    fence D                  expect OK
                    destroy D                expect OK
                    reserve E by=k           expect OK
                    unreserve E by=k         expect OK
                    expect VRAM lru=D,E
                    bo X size=16KiB in none
                    start validate X VRAM as x
                    settle
                    expect D in none
                    expect VRAM used=32KiB ghosts=1
                    expect X in none
                    expect E in VRAM
                    expect invariants ok
                    signal D                 expect OK
                    await x                  expect OK
                    expect X in VRAM
                    expect TT used=0
                    expect VRAM ghosts=0
                    expect invariants ok
                    """);
        }

        @Test
        void aNowaitWalkPassesOverADestroyedBusyBo() {
            passes("""
                    region VRAM size=32KiB visible=16KiB
                    region TT size=32KiB
                    bo D size=16KiB in VRAM
                    bo E size=16KiB in VRAM
                    fence D                  expect OK
                    destroy D                expect OK
                    bo X size=16KiB in none
                    validate X VRAM nowait   expect OK
                    expect E in TT
                    expect D destroyed=yes busy=yes
                    expect VRAM used=32KiB ghosts=0
                    signal D                 expect OK
                    expect D in none
                    expect invariants ok
                    """);
        }

        @Test
        void aPinnedBoIsForceUnpinnedWithAWarning() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    bo P size=16KiB in VRAM
                    pin P                    expect OK
                    destroy P                expect OK
                    expect warnings=1
                    expect P pinned=0 in none destroyed=yes
                    expect invariants ok
                    """);
        }

        @Test
        void aDestroyWaitsForTheHolder() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    bo A size=16KiB in VRAM
                    reserve A by=k           expect OK
                    start destroy A as D
                    settle
                    expect A destroyed=no
                    unreserve A by=k         expect OK
                    await D                  expect OK
                    expect A destroyed=yes in none reserved-by=none
                    """);
        }

        @Test
        void destroyReleasesEveryKmapOfAnOwner() {
            // docs/semantics.md: "destroy(bo): unmap, free the IO reservation, free the resource"; INV-6, INV-13.
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    bo A size=16KiB in VRAM
                    pin A                    expect OK
                    kmap A by=f              expect OK
                    kmap A by=f              expect OK
                    destroy A                expect OK
                    expect A kmaps=0 io=free in none
                    expect io-reserves=1 io-frees=1
                    expect invariants ok
                    """);
        }
    }

    // =====================================================================================================
    @Nested
    class Execbuf {
        @Test
        void okReservesValidatesAndReleasesAll() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    region TT size=128KiB
                    bo X size=16KiB
                    bo Y size=16KiB
                    execbuf X:VRAM Y:TT ticket=1      expect OK
                    expect X in VRAM busy=no reserved-by=none
                    expect Y in TT reserved-by=none
                    """);
        }

        @Test
        void fenceMarksEveryBoBusy() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    region TT size=128KiB
                    bo X size=16KiB
                    bo Y size=16KiB
                    execbuf X:TT Y:TT ticket=2 fence  expect OK
                    expect X in TT busy=yes reserved-by=none
                    expect Y in TT busy=yes
                    signal X                          expect OK
                    signal Y                          expect OK
                    expect X busy=no
                    """);
        }

        @Test
        void enomemReleasesEverything() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    bo X size=16KiB
                    bo Z size=512KiB
                    execbuf X:VRAM Z:VRAM ticket=3    expect ENOMEM
                    expect X in VRAM reserved-by=none   # validated before Z failed
                    expect Z in SYSTEM reserved-by=none
                    """);
        }

        @Test
        void backsOffOnEdeadlkAndRetries() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    region TT size=128KiB
                    bo X size=16KiB
                    bo Y size=16KiB
                    reserve Y by=s ticket=5           expect OK
                    start execbuf X:TT Y:TT ticket=9 as H
                    settle
                    expect X reserved-by=none         # backed off: released X, waits for Y
                    unreserve Y by=s                  expect OK
                    await H                           expect OK
                    expect X in TT reserved-by=none
                    expect Y in TT reserved-by=none
                    """);
        }

        @Test
        void aYoungerTicketHoldingABoBacksOffBehindAnOlderWaiter() {
            // docs/semantics.md: "a younger ticket holding reservations that asks for a BO an older ticket already waits
            // for dies at once" (__ww_mutex_add_waiter); the execbuf backs off, then waits holding nothing.
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    bo A size=16KiB
                    bo C size=16KiB
                    reserve C by=s                              expect OK
                    start execbuf C:SYSTEM A:SYSTEM ticket=1 as OLD
                    settle
                    start execbuf A:SYSTEM C:SYSTEM ticket=3 as YOUNG
                    settle
                    expect A reserved-by=none                   # YOUNG took A, found OLD waiting for C: died, backed off
                    unreserve C by=s                            expect OK
                    await OLD                                   expect OK
                    await YOUNG                                 expect OK
                    expect A reserved-by=none
                    expect C reserved-by=none
                    expect invariants ok
                    """);
        }

        @Test
        void edeadlkAfterTooManyBackOffs() {
            StringBuilder s = new StringBuilder("""
                    region VRAM size=256KiB visible=64KiB
                    region TT size=128KiB
                    bo X size=16KiB
                    bo Y size=16KiB
                    reserve Y by=s ticket=5           expect OK
                    start execbuf X:TT Y:TT ticket=9 as H
                    settle
                    """);
            // An older ticket keeps taking whichever BO the execbuf does not wait for: every retry dies again.
            for (int i = 0; i < 4; i++) {
                for (String bo : List.of("X", "Y")) {
                    String other = bo.equals("X") ? "Y" : "X";
                    s.append("reserve ").append(bo).append(" by=s ticket=5 expect OK\n");
                    s.append("unreserve ").append(other).append(" by=s expect OK\n");
                }
            }
            s.append("""
                    await H                           expect EDEADLK
                    expect X reserved-by=none
                    expect Y reserved-by=s
                    expect X in SYSTEM
                    expect Y in SYSTEM
                    unreserve Y by=s                  expect OK
                    expect invariants ok
                    """);
            passes(s.toString());
        }
    }

    // =====================================================================================================
    @Nested
    class EvictAll {
        @Test
        void okWhenEveryUnpinnedBoLeft() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    region TT size=128KiB
                    bo A size=16KiB in VRAM
                    bo B size=16KiB in VRAM
                    bo C size=16KiB in VRAM
                    pin C                    expect OK
                    evict-all VRAM           expect OK
                    expect A in TT
                    expect B in TT
                    expect C in VRAM
                    expect VRAM used=16KiB lru=
                    expect TT lru=A,B
                    expect evictions=2
                    evict-all TT             expect OK
                    expect A in SYSTEM
                    expect evictions=4
                    expect invariants ok
                    """);
        }

        @Test
        void systemNeverEvicts() {
            // docs/semantics.md: "SYSTEM (unbounded unless a size is given; never evicts; ...)"; a region purges only when
            // declared with evict-to=purge. The outcome of evict-all SYSTEM is not specified; the BO must stay.
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    bo A size=16KiB
                    fault A page=0           expect MAPPED
                    evict-all SYSTEM
                    expect A in SYSTEM mapped=yes io=reserved
                    expect evictions=0
                    expect invariants ok
                    """);
        }

        @Test
        void aReservedBoCannotLeave() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    region TT size=128KiB
                    bo D size=16KiB in VRAM
                    reserve D by=k           expect OK
                    evict-all VRAM           expect EBUSY
                    expect D in VRAM
                    unreserve D by=k         expect OK
                    evict-all VRAM           expect OK
                    expect D in TT
                    """);
        }
    }

    // =====================================================================================================
    @Nested
    class Expectations {
        @Test
        void everyFormHolds() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    region TT size=128KiB
                    bo A size=16KiB in VRAM
                    bo B size=16KiB in VRAM:topdown
                    bo N size=16KiB in none
                    expect A in VRAM
                    expect A in VRAM:visible
                    expect B in VRAM
                    expect N in none
                    expect A pinned=0 kmaps=0 io-refs=0
                    expect A mapped=no io=free busy=no destroyed=no reserved-by=none
                    expect VRAM used=32KiB free=224KiB lru=A,B
                    expect TT used=0 free=128KiB lru=
                    expect moved=32KiB evictions=0 warnings=0
                    expect io-reserves=0 io-frees=0
                    expect invariants ok
                    pin A                    expect OK
                    reserve A by=k           expect OK
                    kmap A by=k              expect OK
                    fault B page=0           expect MAPPED
                    expect A pinned=1 kmaps=1 io-refs=1 io=reserved reserved-by=k
                    expect B mapped=yes in VRAM:visible
                    expect VRAM lru=B
                    expect io-reserves=2 io-frees=0
                    expect moved=48KiB
                    """);
        }

        @Test
        void aViolationIsClaimedByExpectViolation() {
            passes("""
                    device driver=v3-atomic
                    region VRAM size=64KiB visible=32KiB
                    bo A size=16KiB in VRAM
                    unmap A                  expect OK
                    expect violation INV-8
                    expect invariants ok                 # claimed: nothing left
                    """);
        }

        @Test
        void invariantsOkFailsOnAnUnclaimedViolation() {
            Run r = run("""
                    device driver=v3-atomic
                    region VRAM size=64KiB visible=32KiB
                    bo A size=16KiB in VRAM
                    unmap A                  expect OK
                    expect invariants ok
                    """);
            assertEquals(ScenarioRunner.EXIT_FAILED, r.result().exitStatus(), r.out());
            assertTrue(r.line(5).startsWith("FAIL"), r.out());
            assertTrue(r.line(5).contains("INV-8"), r.out());
        }

        @Test
        void expectViolationFailsWhenThereIsNone() {
            Run r = run("""
                    region VRAM size=64KiB visible=32KiB
                    bo A size=16KiB in VRAM
                    unmap A                  expect OK
                    expect violation INV-8
                    """);
            assertEquals(ScenarioRunner.EXIT_FAILED, r.result().exitStatus(), r.out());
            assertTrue(r.line(4).startsWith("FAIL") && r.line(4).contains("INV-8"), r.out());
        }
    }

    // =====================================================================================================
    @Nested
    class Concurrency {
        @Test
        void startAwaitAndSettle() {
            passes("""
                    region VRAM size=256KiB visible=64KiB
                    region TT size=128KiB
                    bo A size=16KiB in VRAM
                    bo B size=16KiB in VRAM
                    start validate A TT as H1
                    start fault B page=0 as H2
                    settle
                    expect A in TT
                    expect B mapped=yes
                    await H2                 expect MAPPED
                    await H1                 expect OK
                    start pin A as H3
                    await H3                 expect OK
                    expect A pinned=1
                    """);
        }

        @Test
        void awaitWithoutExpectationPrintsTheOutcome() {
            Run r = passes("""
                    region VRAM size=256KiB visible=64KiB
                    bo A size=16KiB in VRAM
                    start fault A page=0 as H
                    await H
                    """);
            assertTrue(r.line(4).startsWith("--") && r.line(4).contains("MAPPED"), r.out());
        }

        @Test
        void scheduleRandomRunsConcurrentRequestsInASeededOrder() {
            String script = """
                    region VRAM size=32KiB visible=16KiB
                    region TT size=64KiB
                    bo A size=16KiB in VRAM
                    bo B size=16KiB in VRAM
                    bo X size=16KiB in TT
                    schedule random seed=%d
                    start validate X VRAM as H1
                    start bo Y size=16KiB in VRAM:desired as H2
                    start fault A page=0 as H3
                    start execbuf A:VRAM,TT B:VRAM,TT ticket=1 as H4
                    await H1
                    await H2
                    await H3
                    await H4                 expect OK
                    settle
                    expect invariants ok
                    """;
            for (int seed = 1; seed <= 12; seed++) {
                Run a = passes(script.formatted(seed));
                Run b = passes(script.formatted(seed));
                assertEquals(a.out(), b.out(), "same seed, same run");
            }
        }

        @Test
        void anExecbufStartedRightAfterTheBoItUsesNeverCrashesTheRunner() {
            // docs/scenario-language.md: "start OPERATION as H submits without waiting"; a valid script must not end in an
            // internal error ("a bug in ttm, not in the scenario"). Seed 1 delivers the Reserve first.
            for (int seed = 1; seed <= 6; seed++) {
                passes("""
                        region VRAM size=256KiB visible=64KiB
                        schedule random seed=%d
                        start bo Y size=16KiB in VRAM as H
                        start execbuf Y:VRAM ticket=1 as E
                        await H                  expect OK
                        await E
                        settle
                        expect Y in VRAM reserved-by=none
                        expect invariants ok
                        """.formatted(seed));
            }
        }

        @Test
        void differentSeedsCanOrderDifferently() {
            String script = """
                    region VRAM size=32KiB visible=32KiB
                    bo A size=16KiB in VRAM
                    schedule random seed=%d
                    start execbuf A:VRAM ticket=1 as P
                    start fault A page=0 as F
                    await P                  expect OK
                    await F
                    """;
            java.util.Set<String> faultOutcomes = new java.util.TreeSet<>();
            for (int seed = 1; seed <= 40; seed++) {
                Run r = passes(script.formatted(seed));
                faultOutcomes.add(r.line(7).contains("MAPPED") ? "MAPPED" : r.line(7).contains("RETRY") ? "RETRY" : r.line(7));
            }
            assertEquals(java.util.Set.of("MAPPED", "RETRY"), faultOutcomes, "the fault either comes before or after the execbuf, or meets its reservation");
        }
    }

    // =====================================================================================================
    @Nested
    class RunnerContract {
        @Test
        void aFailingOutcomeExitsOneAndPrintsExpectedAndActual() {
            Run r = run("""
                    region VRAM size=256KiB visible=64KiB
                    bo A size=16KiB in VRAM
                    fault A page=0           expect RETRY
                    """);
            assertEquals(ScenarioRunner.EXIT_FAILED, r.result().exitStatus());
            assertEquals(1, r.result().failed());
            String line = r.line(3);
            assertTrue(line.startsWith("FAIL"), r.out());
            assertTrue(line.contains("fault A page=0") && line.contains("RETRY") && line.contains("MAPPED"), line);
        }

        @Test
        void aFailingExpectationExitsOneAndPrintsExpectedAndActual() {
            Run r = run("""
                    region VRAM size=256KiB visible=64KiB
                    region TT size=64KiB
                    bo A size=16KiB in VRAM
                    expect A in TT
                    expect VRAM used=32KiB
                    expect A in VRAM
                    """);
            assertEquals(ScenarioRunner.EXIT_FAILED, r.result().exitStatus());
            assertEquals(2, r.result().failed());
            assertEquals(1, r.result().passed());
            assertTrue(r.line(4).startsWith("FAIL") && r.line(4).contains("expected TT") && r.line(4).contains("actual VRAM"), r.out());
            assertTrue(r.line(5).startsWith("FAIL") && r.line(5).contains("expected 32KiB") && r.line(5).contains("actual 16KiB"), r.out());
            assertTrue(r.line(6).startsWith("ok"), r.out());
        }

        @Test
        void aScriptErrorExitsTwoWithFileLineColumnAndRunsNothing() {
            Run r = run("""
                    region VRAM size=256KiB visible=64KiB
                    bo A size=16KiB in VRAM
                    fault A page=x
                    """);
            assertEquals(ScenarioRunner.EXIT_SCRIPT_ERROR, r.result().exitStatus());
            assertEquals(1, r.result().scriptErrors().size());
            assertTrue(r.result().scriptErrors().get(0).startsWith("t.ttm:3:14: "), r.result().scriptErrors().toString());
            assertEquals(0, r.result().passed() + r.result().failed());
            assertEquals("", r.out(), "nothing is run");
        }

        @Test
        void anUnknownNameIsAScriptError() {
            Run r = run("""
                    region VRAM size=256KiB visible=64KiB
                    bo A size=16KiB in VRAM
                    fault Z page=0
                    """);
            assertEquals(ScenarioRunner.EXIT_SCRIPT_ERROR, r.result().exitStatus());
            assertTrue(r.result().scriptErrors().get(0).startsWith("t.ttm:3:7: "), r.result().scriptErrors().toString());
        }

        @Test
        void anUnclaimedViolationFailsTheScenarioAtTheNextOperation() {
            Run r = run("""
                    device driver=v3-atomic
                    region VRAM size=64KiB visible=32KiB
                    bo A size=16KiB in VRAM
                    unmap A                  expect OK
                    expect A in VRAM
                    fault A page=0           expect MAPPED
                    """);
            assertEquals(ScenarioRunner.EXIT_FAILED, r.result().exitStatus(), r.out());
            List<String> fails = r.lines().stream().filter(l -> l.startsWith("FAIL")).toList();
            assertEquals(1, fails.size(), r.out());
            assertTrue(fails.get(0).contains(":6 ") && fails.get(0).contains("INV-8"), r.out());
        }

        @Test
        void anUnclaimedViolationAtTheEndFailsTheScenario() {
            Run r = run("""
                    device driver=v3-atomic
                    region VRAM size=64KiB visible=32KiB
                    bo A size=16KiB in VRAM
                    unmap A                  expect OK
                    """);
            assertEquals(ScenarioRunner.EXIT_FAILED, r.result().exitStatus(), r.out());
            assertTrue(r.lines().stream().anyMatch(l -> l.startsWith("FAIL") && l.contains("INV-8")), r.out());
        }

        @Test
        void aPlainOperationThatWouldBlockIsReportedAsBlocked() {
            Run r = run("""
                    region VRAM size=256KiB visible=64KiB
                    bo A size=16KiB in VRAM
                    reserve A by=x           expect OK
                    reserve A by=y           expect OK
                    expect A reserved-by=x
                    """);
            assertEquals(ScenarioRunner.EXIT_FAILED, r.result().exitStatus(), r.out());
            assertEquals(1, r.result().failed());
            assertTrue(r.line(4).startsWith("FAIL") && r.line(4).contains("blocked"), r.out());
            assertTrue(r.line(5).startsWith("ok"), r.out());
        }

        @Test
        void aPlainOperationWaitingForAnUnsignalledFenceIsReportedAsBlockedAndStaysPending() {
            // DESIGN INV-12 / SCENARIOS Concurrency: a request waiting for a fence is pending, not lost.
            Run r = run("""
                    region VRAM size=32KiB visible=32KiB
                    region TT size=64KiB
                    bo A size=32KiB in VRAM
                    fence A                  expect OK
                    validate A none          expect OK
                    bo B size=16KiB in VRAM  expect OK
                    expect invariants ok
                    signal A                 expect OK
                    expect B in VRAM
                    expect invariants ok
                    """);
            assertEquals(ScenarioRunner.EXIT_FAILED, r.result().exitStatus(), r.out());
            assertEquals(1, r.result().failed(), r.out());
            assertTrue(r.line(6).startsWith("FAIL") && r.line(6).contains("blocked") && r.line(6).contains("fence"), r.out());
            assertTrue(r.line(7).startsWith("ok"), r.out()); // pending is not a violation
            assertTrue(r.line(8).startsWith("ok") && r.line(9).startsWith("ok") && r.line(10).startsWith("ok"), r.out());
        }

        @Test
        void anOperationWithoutExpectIsPrintedButNotChecked() {
            Run r = passes("""
                    region VRAM size=256KiB visible=64KiB
                    bo A size=16KiB in VRAM
                    fault A page=9
                    """);
            assertTrue(r.line(3).startsWith("--") && r.line(3).contains("SIGBUS"), r.out());
            assertEquals(0, r.result().passed());
        }

        @Test
        void passingLinesArePrintedOk() {
            Run r = passes("""
                    region VRAM size=256KiB visible=64KiB
                    bo A size=16KiB in VRAM  expect OK
                    expect A in VRAM
                    """);
            assertTrue(r.line(2).startsWith("ok"), r.out());
            assertTrue(r.line(3).startsWith("ok"), r.out());
            assertFalse(r.out().contains("FAIL"));
        }
    }
}
