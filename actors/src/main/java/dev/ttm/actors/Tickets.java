package dev.ttm.actors;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The API's ww_acquire_ctx bookkeeping: which reservations each ticket holds, so that a ticketed reserve tells the
 * BO how many the ticket already holds ({@code acquired}: wait-die lets a younger ticket wait only while it holds
 * nothing, and kills it otherwise, which is what keeps ticketed callers free of deadlock). Updated from the replies:
 * a reserve answered OK adds the BO, an unreserve answered OK removes it. Replies to different callers may be handled
 * in either order (one decision can release a BO for one owner and hand it to the next), so a holding is keyed by
 * BO and owner. Also hands out fresh tickets.
 */
final class Tickets {
    private final AtomicLong next = new AtomicLong();
    private final Map<Long, Set<String>> held = new HashMap<>();
    private final Map<Holding, Long> ticketOf = new HashMap<>();

    private record Holding(String bo, String owner) {}

    long next() {
        return next.incrementAndGet();
    }

    synchronized int acquired(Long ticket) {
        if (ticket == null) return 0;
        Set<String> s = held.get(ticket);
        return s == null ? 0 : s.size();
    }

    synchronized void reserved(String bo, String owner, long ticket) {
        held.computeIfAbsent(ticket, t -> new HashSet<>()).add(bo);
        ticketOf.put(new Holding(bo, owner), ticket);
    }

    synchronized void released(String bo, String owner) {
        Long t = ticketOf.remove(new Holding(bo, owner));
        if (t == null) return;
        Set<String> s = held.get(t);
        if (s != null && s.remove(bo) && s.isEmpty()) held.remove(t);
    }
}
