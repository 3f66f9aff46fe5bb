package dev.ttm.protocol.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ttm.protocol.model.BufferObject.Holder;
import dev.ttm.protocol.model.BufferObject.HolderKind;
import dev.ttm.protocol.model.BufferObject.Phase;
import dev.ttm.protocol.model.BufferObject.Running;

import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The journal format: one instance of every concrete message and event type, with realistic non-default values
 * (nested polymorphic payloads, every kind of address, nulls where the model has them), survives a CBOR round trip
 * through {@link ModelJackson} equal to itself; a new type without an instance here fails the coverage check. And no
 * message or event holds an array (a record's {@code equals} would compare it by identity, and it is mutable).
 */
class JournalFormatTest {
    static final Address.Client CLIENT = new Address.Client("scenario");
    static final Address.Exec EXEC = new Address.Exec(42);
    static final Place VRAM_TOP = new Place("VRAM", 4, 60, true, true, false, true);
    static final Place TT_FALLBACK = new Place("TT", 0, 0, false, false, true, false);
    static final Placement PLACEMENT = Placement.of(VRAM_TOP, TT_FALLBACK, Place.of(RegionConfig.SYSTEM));
    static final Resource RESOURCE = new Resource("VRAM", 16, 8, 4, 60);

    /** One instance of each concrete message type. */
    static List<Message> messages() {
        BufferObject.Reserve ticketed = new BufferObject.Reserve("exec:42", 17L, false, 2, 901, EXEC);
        RegionManager.Alloc alloc = new RegionManager.Alloc("bo3", 8, 2, VRAM_TOP, 4, 60, 2, true, false, "walk:bo3", 77, new Address.Bo("bo3"));
        return List.of(
                new BufferObject.Create(24, 3, PLACEMENT, 1, CLIENT),
                ticketed,
                new BufferObject.Reserve("A", null, true, 0, 902, new Address.Client("A")),
                new BufferObject.Unreserve("A", 3, new Address.Client("A")),
                new BufferObject.Validate(PLACEMENT, "B", true, 4, new Address.Client("B")),
                new BufferObject.Validate(Placement.NONE, null, false, 40, CLIENT),
                new BufferObject.Fault(5, 5, CLIENT),
                new BufferObject.Kmap("C", 6, new Address.Client("C")),
                new BufferObject.Kunmap("C", 7, new Address.Client("C")),
                new BufferObject.Pin(null, "A", 8, new Address.Client("A")),
                new BufferObject.Unpin(null, 9, CLIENT),
                new BufferObject.Unmap("B", 10, new Address.Client("B")),
                new BufferObject.Fence("exec:42", 11, EXEC),
                new BufferObject.Signal(12, CLIENT),
                new BufferObject.Reclaim(13, CLIENT),
                new BufferObject.Destroy("A", 13, new Address.Client("A")),
                new BufferObject.Evict("VRAM", true, "walk:bo9"),
                new BufferObject.EvictUnlock("walk:bo9"),
                new BufferObject.IoEvict(),
                alloc,
                new RegionManager.EvictAll(14, CLIENT),
                new RegionManager.Free("bo3", 16, 8, FenceSet.of("bo1", 2), "ghost(bo3)#1"),
                new RegionManager.LruUpdate("bo3", 1, true),
                new RegionManager.VictimDone("bo4", false, true, true, "bo4 is busy: \"fenced\"\nskipped", "ghost(bo4)#2"),
                new RegionManager.Populate("bo5", 15),
                new RegionManager.Inject(new Injection("VRAM", Injection.Kind.ALLOC_BUSY, null, 3)),
                new RegionManager.Resume(),
                new RegionManager.Granted(RESOURCE, FenceSet.of("bo2", 3), 77),
                new RegionManager.Refused(Outcome.ENOMEM, "VRAM: no space", "bo2", 3, 78),
                new RegionManager.Populated(Outcome.EBUSY, 79),
                new IoManager.IoReserve("bo6", 12, true, 80),
                new IoManager.IoFree("bo6"),
                new FenceSignaled("bo1", 4),
                new IoManager.IoLruUpdate("bo6", false),
                new IoManager.FaultNotify("bo7", 81),
                new IoManager.IoEvictDone("bo8", true),
                new IoManager.Inject(new Injection(Injection.DRIVER, Injection.Kind.IO_RESERVE, KernelError.ENOSPC, -1)),
                new IoManager.Resume(),
                new IoManager.IoReserved(82),
                new IoManager.IoFailed(KernelError.EBUSY, 83),
                new IoManager.HookDone(null, 84),
                new Execbuf.Submit(List.of(new Execbuf.Entry("bo1", PLACEMENT), new Execbuf.Entry("bo2", Placement.NONE)), 17, true, 85, CLIENT),
                Reply.of(86, Outcome.EDEADLK, "ticket 17 is younger"));
    }

    /** One instance of each concrete event type. */
    static List<Event> events() {
        BufferObject.Reserve ticketed = new BufferObject.Reserve("exec:42", 17L, false, 2, 901, EXEC);
        BufferObject.Fault fault = new BufferObject.Fault(3, 55, new Address.Client("c1"));
        RegionManager.Alloc alloc = new RegionManager.Alloc("bo3", 8, 2, VRAM_TOP, 4, 60, 2, true, true, null, 77, new Address.Bo("bo3"));
        IoManager.IoReserve ioReserve = new IoManager.IoReserve("bo6", 12, false, 80);
        return List.of(
                new BufferObject.Created(24, 3),
                new BufferObject.Reserved(new Holder("exec:42", 17L, HolderKind.EXPLICIT)),
                new BufferObject.Released(),
                new BufferObject.Queued(ticketed, 1),
                new BufferObject.Dequeued(),
                new BufferObject.Unqueued(901),
                new BufferObject.Adopted(902, "A"),
                new BufferObject.Deferred(new BufferObject.Kmap("A", 903, new Address.Client("A"))),
                new BufferObject.Undeferred(),
                new BufferObject.OpChanged(new Running(fault, true, Phase.HOOK, PLACEMENT, true, 2, 1, new RegionManager.Granted(RESOURCE, FenceSet.NONE, 5), null, 2, "bo5")),
                new BufferObject.LooseOpChanged(new Running(new BufferObject.Evict("VRAM", false, null), false, Phase.IO_RESERVE, null, false, 0, 0, null, null, 0, null)),
                new BufferObject.Moved(RESOURCE, new Resource("TT", 0, 8, 0, 16), true, FenceSet.NONE, null),
                new BufferObject.PinChanged(2),
                new BufferObject.Mapped(),
                new BufferObject.Zapped(),
                new BufferObject.KmapChanged("B", 3, true),
                new BufferObject.IoRefsChanged(1, true),
                new BufferObject.Fenced(),
                new BufferObject.Signaled(),
                new BufferObject.MoveFenceCleared("bo2", 3),
                new BufferObject.DestroyMarked(),
                new BufferObject.Warned("unpin of bo1 with pinCount 0"),
                new RegionManager.Allocated(new RegionManager.Allocation("bo3", 16, 8, 4, 60), 2, true, FenceSet.NONE),
                new RegionManager.Freed("bo3", 16, 8),
                new RegionManager.Ghosted("bo3", 16, "ghost(bo3)#2", new FenceSet(java.util.Map.of("bo3", 2L, "bo9", 1L)), 1),
                new RegionManager.MoveFenceAdded(FenceSet.of("bo4", 5)),
                new RegionManager.FencesSignaled("bo4", 5),
                new RegionManager.Parked("ghost(bo3)#2", alloc),
                new RegionManager.Unparked("ghost(bo3)#2"),
                new RegionManager.LruMoved("bo3", 1, false),
                new RegionManager.InjectionUsed(1),
                new RegionManager.InjectionArmed(new Injection("TT", Injection.Kind.ALLOC_NOSPACE, null, 2)),
                new EvictionWalk.Began(ioReserve, 12),
                new EvictionWalk.Asked("bo2"),
                new EvictionWalk.Answered(false, true, "bo2"),
                new EvictionWalk.Ended(),
                new EvictionWalk.Deferred(alloc),
                new EvictionWalk.Resumed(),
                new IoManager.ReserveCalled("bo6", 4, 12, true),
                new IoManager.ReserveFailed("bo6", KernelError.EIO),
                new IoManager.FreeCalled("bo6", false),
                new IoManager.LruTouched("bo6", true),
                new IoManager.InjectionUsed(0),
                new IoManager.InjectionArmed(new Injection(Injection.DRIVER, Injection.Kind.FAULT_NOTIFY, KernelError.ERESTARTSYS, 1)),
                new Execbuf.Began(new Execbuf.Submit(List.of(new Execbuf.Entry("bo1", PLACEMENT)), 17, false, 85, CLIENT)),
                new Execbuf.Reserving("bo1"),
                new Execbuf.StageChanged(Execbuf.Stage.FENCING, 2, 3),
                new Execbuf.Held("bo1"),
                new Execbuf.AllReleased(),
                new Execbuf.BackedOff("bo2"),
                new Execbuf.Decided(Outcome.ENOMEM, "bo2: VRAM: no space"),
                new Execbuf.ReleaseBegan(Execbuf.Stage.RESERVING));
    }

    static List<Address> addresses() {
        return List.of(new Address.Bo("bo1"), new Address.Region("VRAM"), Address.IO, CLIENT, EXEC);
    }

    @Test
    void everyMessageRoundTripsThroughCbor() {
        for (Message m : messages()) assertEquals(m, ModelJackson.roundTrip(m, Message.class), () -> "message " + ModelTypes.nameOf(m.getClass()));
    }

    @Test
    void everyEventRoundTripsThroughCbor() {
        for (Event e : events()) assertEquals(e, ModelJackson.roundTrip(e, Event.class), () -> "event " + ModelTypes.nameOf(e.getClass()));
    }

    @Test
    void everyAddressRoundTripsThroughCbor() {
        for (Address a : addresses()) assertEquals(a, ModelJackson.roundTrip(a, Address.class), () -> "address " + a);
    }

    /** The journal names the type ids; a read of an event names the concrete record it was written as. */
    @Test
    void typeIdIsTheJournalName() throws Exception {
        byte[] bytes = ModelJackson.write(new BufferObject.Released(), Event.class);
        String json = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(ModelJackson.cbor().readTree(bytes));
        assertEquals("{\"@type\":\"BufferObject.Released\"}", json);
    }

    @Test
    void theInstancesCoverEveryMessageAndEventType() {
        Set<String> expected = new TreeSet<>();
        ModelTypes.all().forEach((name, type) -> {
            if (!Address.class.isAssignableFrom(type)) expected.add(name);
        });
        Map<String, Object> seen = new LinkedHashMap<>();
        for (Message m : messages()) seen.put(ModelTypes.nameOf(m.getClass()), m);
        for (Event e : events()) seen.put(ModelTypes.nameOf(e.getClass()), e);
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(seen.keySet());
        Set<String> extra = new TreeSet<>(seen.keySet());
        extra.removeAll(expected);
        assertTrue(missing.isEmpty() && extra.isEmpty(), "types without a round-trip instance: " + missing + "; unknown: " + extra);
        Set<String> addressKinds = new TreeSet<>();
        for (Address a : addresses()) addressKinds.add(ModelTypes.nameOf(a.getClass()));
        Set<String> allAddresses = new TreeSet<>();
        ModelTypes.all().forEach((name, type) -> {
            if (Address.class.isAssignableFrom(type)) allAddresses.add(name);
        });
        assertEquals(allAddresses, addressKinds);
    }

    /** No message or event (nor anything reachable from one) holds an array. */
    @Test
    void noArrayInAnyMessageOrEvent() {
        List<String> arrays = new ArrayList<>();
        Set<Type> visited = new HashSet<>();
        for (Class<?> t : ModelTypes.all().values()) walk(t, ModelTypes.nameOf(t), visited, arrays);
        assertTrue(arrays.isEmpty(), "array-typed components: " + arrays);
        // The walk itself finds one when there is one.
        List<String> probe = new ArrayList<>();
        walk(WithArray.class, "WithArray", new HashSet<>(), probe);
        assertEquals(List.of("WithArray.inner.pages"), probe);
    }

    record Inner(long[] pages) {}

    record WithArray(List<Inner> inner) {}

    private static void walk(Type t, String path, Set<Type> visited, List<String> arrays) {
        if (t instanceof GenericArrayType) {
            arrays.add(path);
        } else if (t instanceof ParameterizedType p) {
            walk(p.getRawType(), path, visited, arrays);
            for (Type a : p.getActualTypeArguments()) walk(a, path, visited, arrays);
        } else if (t instanceof WildcardType w) {
            for (Type b : w.getUpperBounds()) walk(b, path, visited, arrays);
        } else if (t instanceof TypeVariable<?> v) {
            for (Type b : v.getBounds()) walk(b, path, visited, arrays);
        } else if (t instanceof Class<?> c) {
            if (c.isArray()) {
                arrays.add(path);
                return;
            }
            if (!visited.add(c)) return;
            if (c.isSealed()) for (Class<?> sub : c.getPermittedSubclasses()) walk(sub, path, visited, arrays);
            if (c.isRecord()) {
                for (RecordComponent rc : c.getRecordComponents()) walk(rc.getGenericType(), path + "." + rc.getName(), visited, arrays);
            } else if (c.isInterface() && !c.isSealed() && c.getName().startsWith("dev.ttm") ) {
                fail("open interface reachable from a message or event: " + c.getName() + " at " + path);
            }
        }
    }
}
