package dev.ttm.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttm.actors.config.TtmConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The workload generator: everything it draws comes from the seed, and only from it. */
class WorkloadTest {

    private static LoadSettings settings(long seed) {
        return LoadSettings.of("ttm.journal = none\nttm.load { seed = " + seed + ", bos = 300, clients = 8 }");
    }

    /** A client's first {@code n} operations, as comparable text. */
    private static List<String> ops(Workload w, int client, int n) {
        Workload.Stream s = w.stream(client);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Workload.Op op = s.next();
            out.add(op.op() + Arrays.toString(op.slots()) + Arrays.toString(op.placements()) + op.pageFraction() + "/" + op.newSizeBytes() + "/" + op.holdNs());
        }
        return out;
    }

    @Test
    void theSameSeedDrawsTheSamePopulationAndTheSameStreams() {
        long seed = 0x5eedL;
        Workload a = new Workload(settings(seed));
        Workload b = new Workload(settings(seed));
        assertEquals(a.population(), b.population());
        for (int c = 0; c < 8; c++) assertEquals(ops(a, c, 2000), ops(b, c, 2000), "client " + c);
    }

    @Test
    void anotherSeedDrawsAnotherWorkload() {
        Workload a = new Workload(settings(1));
        Workload b = new Workload(settings(2));
        assertNotEquals(a.population(), b.population());
        assertNotEquals(ops(a, 0, 100), ops(b, 0, 100));
    }

    @Test
    void clientsDrawIndependentStreams() {
        Workload w = new Workload(settings(3));
        assertNotEquals(ops(w, 0, 100), ops(w, 1, 100));
        // Drawing client 1's stream first changes nothing about client 0's.
        Workload v = new Workload(settings(3));
        ops(v, 1, 500);
        assertEquals(ops(w, 0, 300), ops(v, 0, 300));
    }

    @Test
    void theMixSizesAndSkewAreHonoured() {
        LoadSettings s = settings(4);
        Workload w = new Workload(s);
        long total = w.population().stream().mapToLong(Workload.Bo::sizeBytes).sum();
        long vram = s.ttm().device().regions().get("VRAM").sizePages() * s.ttm().device().pageBytes();
        assertTrue(w.population().stream().allMatch(bo -> s.sizes().values().contains(bo.sizeBytes())));
        assertTrue(total > vram, "the default population (" + total + " B) is well above VRAM (" + vram + " B)");
        int[] byOp = new int[Workload.MixOp.values().length];
        int hot = 0;
        int n = 20_000;
        Workload.Stream stream = w.stream(0);
        for (int i = 0; i < n; i++) {
            Workload.Op op = stream.next();
            byOp[op.op().ordinal()]++;
            if (op.op() != Workload.MixOp.CHURN && op.slots()[0] < s.bos() * s.hotFraction()) hot++;
        }
        for (Workload.MixOp m : Workload.MixOp.values())
            assertEquals(s.mix().share(m), byOp[m.ordinal()] / (double) n, 0.02, m.key());
        assertEquals(s.hotShare(), hot / (double) (n - byOp[Workload.MixOp.CHURN.ordinal()]), 0.03);
    }

    @Test
    void execbufsTakeDistinctBosAndChurnOnlyItsOwnSlots() {
        LoadSettings s = settings(5);
        Workload w = new Workload(s);
        for (int c = 0; c < s.clients(); c++) {
            Workload.Stream stream = w.stream(c);
            for (int i = 0; i < 3000; i++) {
                Workload.Op op = stream.next();
                if (op.op() == Workload.MixOp.EXECBUF) {
                    Set<Integer> distinct = new HashSet<>();
                    for (int slot : op.slots()) distinct.add(slot);
                    assertEquals(op.slots().length, distinct.size());
                    assertTrue(op.slots().length >= s.execbufMinBos() && op.slots().length <= s.execbufMaxBos());
                }
                if (op.op() == Workload.MixOp.CHURN) assertEquals(c, op.slots()[0] % s.clients(), "client " + c + " churns slot " + op.slots()[0]);
            }
        }
    }

    @Test
    void badSettingsNameTheirKey() {
        TtmConfig.BadConfig e = assertThrows(TtmConfig.BadConfig.class, () -> LoadSettings.of("ttm.load.sizes = \"4KiB:1, 3KiB:2\""));
        assertTrue(e.getMessage().startsWith("ttm.load.sizes: '3KiB'"), e.getMessage());
        e = assertThrows(TtmConfig.BadConfig.class, () -> LoadSettings.of("ttm.load.mix = \"fault:1, tickle:2\""));
        assertTrue(e.getMessage().startsWith("ttm.load.mix: 'tickle'"), e.getMessage());
        e = assertThrows(TtmConfig.BadConfig.class, () -> LoadSettings.of("ttm.load { warmup = 30s, duration = 30s }"));
        assertTrue(e.getMessage().startsWith("ttm.load.warmup"), e.getMessage());
        e = assertThrows(TtmConfig.BadConfig.class, () -> LoadSettings.of("ttm.journal = none\nttm.load.inject = [\"crash=bo\"]"));
        assertTrue(e.getMessage().contains("journal"), e.getMessage());
        e = assertThrows(TtmConfig.BadConfig.class, () -> LoadSettings.of("ttm.load.seed = soon"));
        assertTrue(e.getMessage().startsWith("ttm.load.seed"), e.getMessage());
    }

    @Test
    void injectionsAndAssertionsParse() {
        assertEquals(InjectSpec.What.DRIVER, InjectSpec.parse("io-reserve=EBUSY@5ms").what());
        assertEquals("TT", InjectSpec.parse("alloc.TT=nospace").injection().target());
        assertEquals(10.0, InjectSpec.parse("slow-moves=10").slowFactor());
        assertEquals("bo", InjectSpec.parse("crash=bo@1s").crashTarget());
        assertThrows(IllegalArgumentException.class, () -> InjectSpec.parse("io-reserve=EPERM"));
        assertThrows(IllegalArgumentException.class, () -> InjectSpec.parse("slow-moves=0.5"));
        Assertion a = Assertion.parse("p99.fault<2ms");
        assertEquals(2e6, a.value());
        assertEquals("<", a.op());
        assertEquals(0, Assertion.parse("violations=0").value());
        assertThrows(IllegalArgumentException.class, () -> Assertion.parse("p99.fault<2parsecs"));
        assertThrows(IllegalArgumentException.class, () -> Assertion.parse("speed>3"));
    }
}
