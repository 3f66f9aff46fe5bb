package dev.ttm.protocol.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The state digest renders every field of every entity state, canonically. */
class StateDigestTest {
    static final DeviceConfig DEVICE = new DeviceConfig(4096, Driver.IO_LRU, 0, List.of(
            new RegionConfig("VRAM", 32, 8, false, List.of("TT"), false),
            new RegionConfig("TT", 16, 0, true, List.of(), false)), List.of());

    /** Fields a digest leaves out on purpose: a draft's copy-on-write flag is no part of the state. */
    static final Set<String> NOT_STATE = Set.of("BoState.shared");

    @Test
    void everyFieldOfEveryStateIsRendered() {
        check(BoState.class, new BufferObject("bo1", DEVICE).initialState());
        check(RegionState.class, new RegionManager(DEVICE.region("VRAM"), List.of()).initialState());
        check(IoState.class, new IoManager(Driver.IO_LRU, 8, List.of()).initialState());
        check(Execbuf.ExecState.class, new Execbuf(3).initialState());
    }

    private static void check(Class<?> type, Object state) {
        Set<String> fields = new LinkedHashSet<>();
        for (Field f : type.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) || NOT_STATE.contains(type.getSimpleName() + "." + f.getName())) continue;
            fields.add(f.getName());
        }
        Set<String> rendered = new LinkedHashSet<>();
        String[] lines = StateDigest.render(state).split("\n");
        for (int i = 1; i < lines.length; i++) rendered.add(lines[i].substring(0, lines[i].indexOf('=')));
        assertEquals(fields, rendered, type.getSimpleName() + ": every field, in declaration order");
    }

    @Test
    void digestFollowsEveryChange() {
        BufferObject bo = new BufferObject("bo1", DEVICE);
        BoState s = bo.initialState();
        String d0 = StateDigest.digest(s);
        assertEquals(d0, StateDigest.digest(bo.initialState()));
        bo.evolve(s, new BufferObject.Created(4, 1));
        String d1 = StateDigest.digest(s);
        assertNotEquals(d0, d1);
        // The holder's kind and a resource's range are not in their toString: the digest sees them.
        BoState a = bo.evolve(bo.initialState(), new BufferObject.Reserved(new BufferObject.Holder("A", null, BufferObject.HolderKind.EXPLICIT)));
        BoState b = bo.evolve(bo.initialState(), new BufferObject.Reserved(new BufferObject.Holder("A", null, BufferObject.HolderKind.OPERATION)));
        assertNotEquals(StateDigest.digest(a), StateDigest.digest(b));
        BoState r1 = bo.evolve(bo.initialState(), new BufferObject.Moved(null, new Resource("VRAM", 0, 4, 0, 8), false, FenceSet.NONE, null));
        BoState r2 = bo.evolve(bo.initialState(), new BufferObject.Moved(null, new Resource("VRAM", 0, 4, 0, 32), false, FenceSet.NONE, null));
        assertNotEquals(StateDigest.digest(r1), StateDigest.digest(r2));
    }

    /** A model of fixed states. */
    record View(DeviceConfig device, List<BoState> bos, List<RegionState> regions, IoState io) implements ModelView {
        @Override public BoState bo(String name) { return bos.stream().filter(b -> b.name().equals(name)).findFirst().orElse(null); }
        @Override public RegionState region(String name) { return regions.stream().filter(r -> r.name().equals(name)).findFirst().orElse(null); }
    }

    @Test
    void perEntityDigestsEveryEntityByItsAddressAndSeesAChangeInAny() {
        BufferObject bo = new BufferObject("bo1", DEVICE);
        RegionState vram = new RegionManager(DEVICE.region("VRAM"), List.of()).initialState();
        RegionState tt = new RegionManager(DEVICE.region("TT"), List.of()).initialState();
        IoState io = new IoManager(Driver.IO_LRU, 8, List.of()).initialState();
        BoState created = bo.evolve(bo.initialState(), new BufferObject.Created(4, 1));
        Map<String, String> before = StateDigest.perEntity(new View(DEVICE, List.of(bo.initialState()), List.of(vram, tt), io));
        assertEquals(List.of("bo:bo1", "io", "region:TT", "region:VRAM"), List.copyOf(before.keySet()));
        assertEquals(StateDigest.digest(tt), before.get("region:TT"));
        Map<String, String> after = StateDigest.perEntity(new View(DEVICE, List.of(created), List.of(vram, tt), io));
        assertNotEquals(before, after);
        assertEquals(before.get("region:VRAM"), after.get("region:VRAM"));
    }

    @Test
    void mapsRenderSortedByKeyAndStringsQuoted() {
        Map<Long, String> m = new java.util.HashMap<>();
        m.put(10L, "x");
        m.put(-2L, "y\"z");
        m.put(3L, "w");
        assertEquals("{-2=\"y\\\"z\",3=\"w\",10=\"x\"}", StateDigest.value(m));
        assertEquals(StateDigest.value(new TreeMap<>(m)), StateDigest.value(m));
        assertEquals("Place{region=\"VRAM\",fpfn=0,lpfn=0,visible=true,desired=false,fallback=false,topdown=false}",
                StateDigest.value(Place.visible("VRAM")));
        assertThrows(IllegalArgumentException.class, () -> StateDigest.value(new Object()));
    }
}
