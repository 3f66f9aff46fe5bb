package dev.ttm.protocol.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The review's four use cases and the "fault never waits" example, as the scenario language reference gives them (docs/scenario-language.md), each followed by a
 * variant that presses on the point the use case makes.
 */
class UseCasesTest {
    private static String run(String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ScenarioRunner.Result r = ScenarioRunner.runSource("usecase.ttm", text, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(List.of(), r.scriptErrors());
        assertNull(r.internalError(), out);
        assertEquals(0, r.failed(), () -> "failed:\n" + out);
        assertEquals(StatementsTest.expectations(text), r.passed(), () -> "every expectation must be evaluated:\n" + out);
        assertEquals(ScenarioRunner.EXIT_OK, r.exitStatus(), out);
        return out;
    }

    // ---- 1) temporary kernel map ---------------------------------------------------------------------
    @Test
    void useCase1TemporaryKernelMap() {
        run("""
                # 1) temporary kernel map: reserve, make_mappable, kmap, kunmap, free, unreserve
                region VRAM size=1MiB visible=256KiB
                region TT size=1MiB
                bo A size=64KiB in VRAM:topdown      # top of VRAM: outside the visible window
                reserve A by=k
                kmap A by=k            expect OK     # made mappable: moved into the window
                expect A in VRAM:visible
                expect A io=reserved
                kunmap A by=k          expect OK
                expect A io=free
                unreserve A by=k       expect OK
                expect io-reserves=1 io-frees=1
                expect invariants ok
                """);
    }

    @Test
    void useCase1NeedsTheReservationAndKeepsTheBoWhereItWasMadeMappable() {
        run("""
                region VRAM size=1MiB visible=256KiB
                region TT size=1MiB
                bo A size=64KiB in VRAM:topdown
                kmap A by=k            expect EPERM  # not reserved, not pinned
                expect A in VRAM io=free
                reserve A by=k         expect OK
                kmap A by=k            expect OK
                expect A reserved-by=k kmaps=1 io-refs=1
                unreserve A by=k       expect EBUSY  # not with a kmap outstanding
                fault A page=0         expect RETRY  # a user fault does not wait for the kernel map
                kunmap A by=k          expect OK
                unreserve A by=k       expect OK
                expect A in VRAM:visible reserved-by=none io-refs=0
                expect moved=128KiB                  # created, then made mappable once
                reserve A by=k         expect OK
                kmap A by=k            expect OK     # already mappable: no move this time
                kunmap A by=k          expect OK
                unreserve A by=k       expect OK
                expect moved=128KiB
                expect io-reserves=2 io-frees=2
                expect invariants ok
                """);
    }

    // ---- 2) permanent kernel map (fbdev) -------------------------------------------------------------
    @Test
    void useCase2PermanentKernelMap() {
        run("""
                # 2) permanent kernel map (fbdev): pin_mappable, kmap ... kunmap, unpin
                region VRAM size=1MiB visible=256KiB
                region TT size=4MiB
                bo fb size=256KiB
                pin fb VRAM:visible    expect OK
                kmap fb by=fbdev       expect OK     # pinned: no reservation needed
                bo big size=768KiB in VRAM   expect OK
                bo more size=64KiB in VRAM   expect OK   # evicts big (fb is pinned)
                expect big in TT
                expect fb in VRAM:visible
                kunmap fb by=fbdev
                unpin fb               expect OK
                unpin fb               expect EINVAL     # already zero: no change, one warning
                expect warnings=1
                expect invariants ok
                """);
    }

    @Test
    void useCase2TheMapSurvivesPressureWithoutTheReservation() {
        run("""
                region VRAM size=1MiB visible=256KiB
                region TT size=4MiB
                bo fb size=256KiB
                pin fb VRAM:visible    expect OK
                kmap fb by=fbdev       expect OK
                expect fb reserved-by=none kmaps=1 io=reserved pinned=1
                expect VRAM lru=
                bo big size=768KiB in VRAM   expect OK
                bo more size=64KiB in VRAM   expect OK
                evict-all VRAM         expect OK     # suspend: everything unpinned leaves, fb stays
                expect fb in VRAM:visible kmaps=1 io=reserved
                expect more in TT
                validate fb TT         expect EINVAL # pinned: it would have to move
                reserve fb by=other    expect OK     # the map needs no reservation: another may hold it
                unreserve fb by=other  expect OK
                kunmap fb by=fbdev     expect OK
                expect fb io=free
                unpin fb               expect OK
                expect VRAM lru=fb
                expect io-reserves=1 io-frees=1
                expect invariants ok
                """);
    }

    // ---- 3) fault and 4) unmap_virtual when the BO must move -------------------------------------------
    @Test
    void useCases3And4FaultAndUnmapVirtual() {
        run("""
                # 3) fault, and 4) unmap_virtual when the BO must move
                region VRAM size=512KiB visible=128KiB
                region TT size=1MiB
                bo A size=64KiB in VRAM:topdown
                fault A page=3         expect MAPPED
                expect A in VRAM:visible
                expect A mapped=yes
                bo B size=480KiB in VRAM   expect OK   # only 448KiB free: A (least recently used) goes to TT
                expect A in TT
                expect A mapped=no                     # zapped before the move
                expect A io=free
                fault A page=3         expect MAPPED   # TT is CPU-visible: no move needed
                expect A in TT
                expect io-reserves=2 io-frees=1
                expect invariants ok
                """);
    }

    @Test
    void useCase4AnExplicitMoveAndRepeatedUnmapVirtualTestForZero() {
        run("""
                region VRAM size=512KiB visible=128KiB
                region TT size=1MiB
                bo A size=64KiB in TT
                fault A page=0         expect MAPPED
                expect A mapped=yes io-refs=1
                validate A VRAM        expect OK       # must move: unmap_virtual first
                expect A in VRAM mapped=no io=free io-refs=0
                expect io-reserves=1 io-frees=1
                unmap A                expect OK       # nothing mapped, nothing reserved: no io_mem_free
                unmap A                expect OK
                expect io-reserves=1 io-frees=1
                fault A page=15        expect MAPPED
                expect A in VRAM:visible
                evict-all VRAM         expect OK       # an eviction zaps it as well
                expect A in TT mapped=no io=free
                expect io-reserves=2 io-frees=2
                expect invariants ok
                """);
    }

    // ---- a fault never waits -------------------------------------------------------------------------
    @Test
    void aFaultNeverWaits() {
        run("""
                # a fault never waits for a reservation
                region VRAM size=1MiB visible=1MiB
                bo A size=4KiB in VRAM
                reserve A by=t1
                fault A page=0         expect RETRY
                unreserve A by=t1
                fault A page=0         expect MAPPED
                """);
    }

    @Test
    void aFaultNeverWaitsEvenBehindQueuedWaiters() {
        String out = run("""
                region VRAM size=1MiB visible=1MiB
                bo A size=4KiB in VRAM
                reserve A by=t1        expect OK
                start reserve A by=t2 as W
                start validate A SYSTEM as V
                settle
                fault A page=0         expect RETRY    # answered at once, queued behind nobody
                fault A page=1         expect RETRY    # reserved: RETRY comes before the page check
                unreserve A by=t1      expect OK
                await W                expect OK
                fault A page=0         expect RETRY
                unreserve A by=t2      expect OK
                await V                expect OK
                expect A in SYSTEM
                fault A page=0         expect MAPPED
                expect invariants ok
                """);
        assertTrue(out.lines().filter(l -> l.contains("fault A") && l.contains("RETRY")).count() >= 3, out);
    }
}
