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
        static final Calls ONE_RESERVE = new Calls(1, 0);
        static final Calls ONE_FREE = new Calls(0, 1);

        public long outstanding() {
            return reserves - frees;
        }

        Calls plus(Calls more) {
            return new Calls(reserves + more.reserves, frees + more.frees);
        }
    }

    final Driver driver;
    final RangeAllocator aperture;
    final Injections injections;
    final Map<String, Slot> reserved = new LinkedHashMap<>();
    final Lru lru = new Lru(1);
    final Map<String, Calls> callsPerBo = new HashMap<>();
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
        return callsPerBo.getOrDefault(bo, Calls.NONE);
    }

    void count(String bo, boolean reserve) {
        callsPerBo.merge(bo, reserve ? Calls.ONE_RESERVE : Calls.ONE_FREE, Calls::plus); // one lookup, not two
        if (reserve) reserveCalls++;
        else freeCalls++;
    }
}
