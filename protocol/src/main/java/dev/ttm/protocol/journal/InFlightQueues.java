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
    /**
     * A message on its way, numbered in send order ({@code seq} is unique: equal records are the same send), with its
     * message as an index key, hashed once (a message record's hash walks all its components; the index needs it
     * whenever the message is put in or taken out).
     */
    record Sent(long seq, Address from, long sentAt, Message message, Key key) {
        Sent(long seq, Address from, long sentAt, Message message) {
            this(seq, from, sentAt, message, new Key(message, message.hashCode()));
        }
    }

    /** A message as a key of {@link Inbox#byMessage}, with its hash code ready. */
    record Key(Message message, int hash) {
        @Override public int hashCode() { return hash; }
        @Override public boolean equals(Object o) { return o instanceof Key k && k.hash == hash && k.message.equals(message); }
    }

    /** One receiver's messages in flight. Kept while it has none, for its next ones (its maps keep their tables). */
    private static final class Inbox {
        /**
         * Per message, in send order: the one {@link Sent} (nearly always), or an {@code ArrayDeque<Sent>} of equal
         * messages (from different senders, or resent before the first was taken).
         */
        final Map<Key, Object> byMessage = new HashMap<>();
        /** Per sender, in send order: the receiver takes a channel's messages in this order. Emptied ones stay. */
        final Map<Address, ArrayDeque<Sent>> byChannel = new HashMap<>();
        int size;
    }

    /** The receivers with messages in flight: their iteration order is the fold's (see the class comment). */
    private final Map<Address, Inbox> receivers = new HashMap<>();
    /** Every receiver's inbox, with messages in flight or not (not iterated: its order does not matter). */
    private final Map<Address, Inbox> inboxes = new HashMap<>();

    void add(Address to, Sent s) {
        Inbox in = receivers.get(to);
        if (in == null) {
            in = inboxes.computeIfAbsent(to, k -> new Inbox());
            assert in.size == 0 && in.byMessage.isEmpty();
            receivers.put(to, in);
        }
        index(in, s);
        ArrayDeque<Sent> channel = in.byChannel.get(s.from());
        if (channel == null) in.byChannel.put(s.from(), channel = new ArrayDeque<>(4));
        channel.addLast(s);
        in.size++;
    }

    @SuppressWarnings("unchecked")
    private static void index(Inbox in, Sent s) {
        Key k = s.key();
        Object was = in.byMessage.putIfAbsent(k, s);
        if (was == null) return;
        ArrayDeque<Sent> q;
        if (was instanceof Sent first) {
            q = new ArrayDeque<>(4);
            q.addLast(first);
            in.byMessage.put(k, q);
        } else {
            q = (ArrayDeque<Sent>) was;
        }
        q.addLast(s);
    }

    /** The earliest sent message to {@code to} equal to {@code m}, or null. */
    @SuppressWarnings("unchecked")
    Sent earliest(Address to, Message m) {
        Inbox in = receivers.get(to);
        if (in == null) return null;
        Object q = in.byMessage.get(new Key(m, m.hashCode()));
        if (q == null || q instanceof Sent) return (Sent) q;
        return ((ArrayDeque<Sent>) q).peekFirst();
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
        in.size -= earlier + 1;
        assert in.size >= 0;
        if (in.size == 0) receivers.remove(to);
        return earlier;
    }

    /** Removes {@code s} from its message's entry: usually the whole entry, else its queue's head (the earliest is taken). */
    @SuppressWarnings("unchecked")
    private static void unindex(Inbox in, Sent s) {
        Key k = s.key();
        Object q = in.byMessage.get(k);
        assert q == s || q instanceof ArrayDeque<?> : s + " is not indexed";
        if (q == s) {
            in.byMessage.remove(k);
            return;
        }
        ArrayDeque<Sent> equal = (ArrayDeque<Sent>) q;
        if (equal.peekFirst() == s) equal.pollFirst();
        else equal.remove(s);
        if (equal.isEmpty()) in.byMessage.remove(k);
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
