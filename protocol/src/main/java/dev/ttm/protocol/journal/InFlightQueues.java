package dev.ttm.protocol.journal;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.Message;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The messages in flight of a {@link JournalFold}, per receiver, indexed two ways so that taking one costs the same
 * however many are queued: by message (the earliest sent equal message is the one a journaled input takes) and by
 * channel, sender to receiver, in send order (taking a message takes every earlier one of its channel). A region's
 * queue can hold a stale message of every BO that ever sent to it, so scanning it per input made the fold quadratic.
 *
 * <p>The receivers are kept in a {@link HashMap} put and removed exactly when a single send-ordered queue per receiver
 * would be made and emptied: iterating receivers gives the same order as such a queue map, which {@link JournalFold}
 * relies on to pick the same unrecorded decision.
 */
final class InFlightQueues {
    /** A message on its way, numbered in send order ({@code seq} is unique: equal records are the same send). */
    record Sent(long seq, Address from, long sentAt, Message message) {}

    /** One receiver's messages in flight. */
    private static final class Inbox {
        /** Per message, in send order (equal messages from different senders share a queue). */
        final Map<Message, ArrayDeque<Sent>> byMessage = new HashMap<>();
        /** Per sender, in send order: the receiver takes a channel's messages in this order. */
        final Map<Address, ArrayDeque<Sent>> byChannel = new HashMap<>();
        int size;
    }

    private final Map<Address, Inbox> receivers = new HashMap<>();

    void add(Address to, Sent s) {
        Inbox in = receivers.computeIfAbsent(to, k -> new Inbox());
        in.byMessage.computeIfAbsent(s.message(), k -> new ArrayDeque<>(2)).addLast(s);
        in.byChannel.computeIfAbsent(s.from(), k -> new ArrayDeque<>(2)).addLast(s);
        in.size++;
    }

    /** The earliest sent message to {@code to} equal to {@code m}, or null. */
    Sent earliest(Address to, Message m) {
        Inbox in = receivers.get(to);
        if (in == null) return null;
        ArrayDeque<Sent> q = in.byMessage.get(m);
        return q == null ? null : q.peekFirst();
    }

    /**
     * Takes {@code match} off the messages in flight to {@code to}, with every earlier one of its channel (the
     * receiver took those before, in decisions the journal does not hold); returns how many earlier ones there were.
     */
    int take(Address to, Sent match) {
        Inbox in = receivers.get(to);
        ArrayDeque<Sent> channel = in.byChannel.get(match.from());
        int earlier = 0;
        while (true) {
            Sent s = channel.pollFirst();
            assert s != null : match + " is not in flight to " + to;
            unindex(in, s);
            if (s == match) break;
            earlier++;
        }
        if (channel.isEmpty()) in.byChannel.remove(match.from());
        in.size -= earlier + 1;
        assert in.size >= 0;
        if (in.size == 0) receivers.remove(to);
        return earlier;
    }

    /** Removes {@code s} from its message's queue: usually its head (the earliest equal message is the one taken). */
    private static void unindex(Inbox in, Sent s) {
        ArrayDeque<Sent> q = in.byMessage.get(s.message());
        if (q.peekFirst() == s) q.pollFirst();
        else q.remove(s);
        if (q.isEmpty()) in.byMessage.remove(s.message());
    }

    /** The receivers with messages in flight, in the order of the fold's original per-receiver queue map. */
    Set<Address> receivers() {
        return receivers.keySet();
    }

    /** The messages in flight to {@code to}, in send order (a copy: taking one while iterating is safe). */
    List<Sent> inSendOrder(Address to) {
        Inbox in = receivers.get(to);
        if (in == null) return List.of();
        List<Sent> out = new ArrayList<>(in.size);
        for (ArrayDeque<Sent> q : in.byChannel.values()) out.addAll(q);
        out.sort(Comparator.comparingLong(Sent::seq));
        assert out.size() == in.size;
        return out;
    }
}
