package dev.ttm.protocol.journal;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BoState;
import dev.ttm.protocol.model.Decision;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Event;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every folded entry with what links it to others, for {@link WhyChain} and the HTML page: its cause (the entry that
 * sent its input), what today's decision sent, the subjects it touched (its entity and the BOs its input and events
 * name: an io or region entry touches the BO it serves) and, for an entry that broke an invariant, the BOs it names as
 * they were just after. Entries are kept in stamp order; the indexes make the walk back cheap on large journals.
 */
public final class EntryLog implements FoldListener {
    /** One folded entry ({@code index} in stamp order). {@code after}: the named BOs just after, only when it broke an invariant. */
    public record Logged(int index, JournalEntry entry, Cause cause, List<Decision.Send> sends, Set<String> subjects,
                         List<StampedViolation> broke, Map<String, BoPicture> after) {
        public long stamp() {
            return entry.stamp();
        }

        public Address entity() {
            return entry.entity();
        }
    }

    private final DeviceConfig device;
    private final List<Logged> entries = new ArrayList<>();
    private final Map<String, List<Integer>> bySubject = new HashMap<>();
    /** "entity@stamp" of a sender's entry -> the entries whose input it sent. */
    private final Map<String, List<Integer>> bySender = new HashMap<>();
    private final Map<String, Integer> byEntityStamp = new HashMap<>();

    public EntryLog(DeviceConfig device) {
        this.device = device;
    }

    public DeviceConfig device() {
        return device;
    }

    @Override
    public void afterEntry(FoldStep step) {
        JournalEntry e = step.entry();
        int i = entries.size();
        Set<String> subjects = subjects(e);
        Map<String, BoPicture> after = step.violations().isEmpty() ? Map.of() : pictures(step);
        List<Decision.Send> sends = step.today() == null ? List.of() : List.copyOf(step.today().sends());
        entries.add(new Logged(i, e, step.cause(), sends, subjects, List.copyOf(step.violations()), after));
        for (String s : subjects) bySubject.computeIfAbsent(s, k -> new ArrayList<>()).add(i);
        byEntityStamp.put(key(e.entity(), e.stamp()), i);
        Address sender = sender(step.cause());
        if (sender != null) bySender.computeIfAbsent(key(sender, sentAt(step.cause())), k -> new ArrayList<>()).add(i);
    }

    /** Subject keys: {@code bo:NAME}, {@code region:NAME}, {@code io}, {@code exec:N} (as {@link Address#toString}). */
    static Set<String> subjects(JournalEntry e) {
        Set<String> out = new LinkedHashSet<>();
        out.add(e.entity().toString());
        for (String b : TtmWords.bosNamed(e.recorded().input())) out.add(boKey(b));
        for (Event ev : e.recorded().events()) for (String b : TtmWords.bosNamed(ev)) out.add(boKey(b));
        return out;
    }

    static String boKey(String name) {
        return new Address.Bo(name).toString();
    }

    private static Map<String, BoPicture> pictures(FoldStep step) {
        Map<String, BoPicture> out = new HashMap<>();
        for (StampedViolation v : step.violations()) {
            for (String bo : WhyChain.bosOf(v.violation().entities())) {
                BoState s = step.after().bo(bo);
                if (s != null) out.put(bo, BoPicture.of(s));
            }
        }
        return out;
    }

    private static String key(Address a, long stamp) {
        return a + "@" + stamp;
    }

    /** Who sent the input: the journaled sender, or the journaled entry whose message the unjournaled decision took. */
    static Address sender(Cause c) {
        if (c instanceof Cause.SentBy s) return s.sender();
        if (c instanceof Cause.Unrecorded u && u.tookFrom() != null) return u.tookFrom();
        return null;
    }

    static long sentAt(Cause c) {
        if (c instanceof Cause.SentBy s) return s.stamp();
        if (c instanceof Cause.Unrecorded u) return u.tookAt();
        return 0;
    }

    public List<Logged> entries() {
        return java.util.Collections.unmodifiableList(entries);
    }

    public Logged get(int index) {
        return entries.get(index);
    }

    /** The entry of {@code entity} at {@code stamp}, or null. */
    public Logged at(Address entity, long stamp) {
        Integer i = byEntityStamp.get(key(entity, stamp));
        return i == null ? null : entries.get(i);
    }

    /** The entry that sent {@code l}'s input (directly, or through a decision that journaled nothing), or null. */
    public Logged causeOf(Logged l) {
        Address s = sender(l.cause());
        return s == null ? null : at(s, sentAt(l.cause()));
    }

    /** The entries whose input {@code l} sent, in stamp order. */
    public List<Logged> effectsOf(Logged l) {
        List<Integer> is = bySender.getOrDefault(key(l.entity(), l.stamp()), List.of());
        List<Logged> out = new ArrayList<>(is.size());
        for (int i : is) out.add(entries.get(i));
        return out;
    }

    /** The indexes of the entries that touched {@code subject} (see {@link #subjects}), in stamp order. */
    public List<Integer> touching(String subject) {
        return java.util.Collections.unmodifiableList(bySubject.getOrDefault(subject, List.of()));
    }
}
