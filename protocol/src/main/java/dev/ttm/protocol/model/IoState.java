package dev.ttm.protocol.model;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The state of the IO manager: the driver's outstanding IO reservations (and, under io-lru, where each sits in the
 * aperture and the aperture's mapping LRU), call counts per BO and in total. Only {@link IoManager#evolve}
 * changes it.
 */
public final class IoState {
    /** Where an IO reservation sits in the io-lru aperture ({@code startPage < 0}: it takes no aperture space). */
    public record Slot(long startPage, long pages) {}

    /** The driver's io_mem_reserve and io_mem_free calls for one BO since the start. */
    public record Calls(long reserves, long frees) {
        static final Calls NONE = new Calls(0, 0);

        public long outstanding() {
            return reserves - frees;
        }
    }

    /** One BO's {@link Calls} as the state keeps them: counted in place (every io_mem_reserve and free counts). */
    static final class Counts {
        long reserves;
        long frees;

        Calls calls() {
            return new Calls(reserves, frees);
        }
    }

    final Driver driver;
    final RangeAllocator aperture;
    final Injections injections;
    final Map<String, Slot> reserved = new LinkedHashMap<>();
    final Lru lru = new Lru(1);
    final Map<String, Counts> callsPerBo = new HashMap<>();
    final EvictionWalk.Host walks = new EvictionWalk.Host();
    long reserveCalls;
    long freeCalls;
    long unbalancedFrees;
    long failedReserves;

    IoState(Driver driver, long aperturePages, List<Injection> injections) {
        this.driver = driver;
        this.aperture = driver == Driver.IO_LRU && aperturePages > 0 ? new RangeAllocator(aperturePages) : null;
        this.injections = new Injections(injections);
    }

    public Driver driver() { return driver; }
    public long reserveCalls() { return reserveCalls; }
    public long freeCalls() { return freeCalls; }
    public long unbalancedFrees() { return unbalancedFrees; }
    public long failedReserves() { return failedReserves; }
    public boolean isReserved(String bo) { return reserved.containsKey(bo); }
    public int reservedCount() { return reserved.size(); }
    public Map<String, Slot> reservations() { return Collections.unmodifiableMap(reserved); }
    public List<String> lruOrder() { return lru.order(); }
    public boolean onLru(String bo) { return lru.contains(bo); }
    public RangeAllocator aperture() { return aperture; }
    public EvictionWalk.Walk walk() { return walks.walk; }
    public int deferredCount() { return walks.deferred.size(); }
    public Injections injections() { return injections; }

    public Calls callsOf(String bo) {
        Counts c = callsPerBo.get(bo);
        return c == null ? Calls.NONE : c.calls();
    }

    /** Every BO's calls, as values (for digests). */
    Map<String, Calls> callsPerBo() {
        Map<String, Calls> out = new HashMap<>();
        callsPerBo.forEach((bo, c) -> out.put(bo, c.calls()));
        return out;
    }

    void count(String bo, boolean reserve) {
        Counts c = callsPerBo.computeIfAbsent(bo, k -> new Counts());
        if (reserve) {
            c.reserves++;
            reserveCalls++;
        } else {
            c.frees++;
            freeCalls++;
        }
    }
}
