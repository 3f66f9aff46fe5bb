package dev.ttm.protocol.journal;

import dev.ttm.protocol.invariants.Invariant;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.Decision;
import dev.ttm.protocol.model.Driver;
import dev.ttm.protocol.model.Event;
import dev.ttm.protocol.model.IoManager;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;

/**
 * Why an invariant broke ({@code ttm replay --why}): the entry that broke it and the chain of earlier entries on the
 * entities involved that led there, as a short narrative in TTM's words. Pure: it reads an {@link EntryLog} filled by
 * the fold.
 *
 * <p>The chain is walked back from the breaking entry, most recent first: each entry kept brings in the entry that
 * sent its input (how one entity's step caused another's) and, for each subject of the violation (the BOs it names,
 * else the regions or the IO manager), the previous entry that touched that subject with something to say. At most
 * {@link #MAX_STEPS} are kept, so a long history is cut at its oldest end; they are shown in stamp order. Messages that
 * chain entries sent and that were still on their way when the invariant broke are listed too: in a race, what has not
 * arrived yet is half of the story.
 */
public final class WhyChain {
    public static final int MAX_STEPS = 10;

    /** One step of the narrative; {@code breaking}: the entry that broke the invariant. */
    public record Step(long stamp, String entity, String text, boolean breaking) {
        @Override
        public String toString() {
            return "stamp " + stamp + "  " + entity + ": " + text + (breaking ? "   <== broke it" : "");
        }
    }

    /** The explanation of one violation: a summary sentence, the steps in stamp order, the messages still in flight then. */
    public record Why(StampedViolation violation, String summary, List<Step> steps, List<String> inFlight) {}

    private WhyChain() {}

    /** Explains the first violation of each invariant broken, the first violation first. */
    public static List<Why> explainFirsts(EntryLog log, List<StampedViolation> violations) {
        List<Why> out = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (StampedViolation v : violations) if (seen.add(v.violation().invariant())) out.add(explain(log, v));
        return out;
    }

    public static Why explain(EntryLog log, StampedViolation v) {
        EntryLog.Logged breaking = breakingEntry(log, v);
        if (breaking == null) return new Why(v, headline(v, null) + ".", List.of(), List.of());
        List<EntryLog.Logged> chain = chain(log, breaking, subjects(v));
        List<Step> steps = new ArrayList<>();
        for (EntryLog.Logged l : chain) steps.add(new Step(l.stamp(), l.entity().toString(), describe(l), l == breaking));
        List<String> inFlight = inFlight(log, chain, breaking.stamp());
        return new Why(v, summary(log, v, breaking, chain), steps, inFlight);
    }

    /** The entry the violation is stamped with; at the end of the journal: the last entry that touched its subjects. */
    private static EntryLog.Logged breakingEntry(EntryLog log, StampedViolation v) {
        if (v.entity() != null) {
            EntryLog.Logged l = log.at(v.entity(), v.stamp());
            if (l != null) return l;
        }
        EntryLog.Logged last = null;
        for (String s : subjects(v)) {
            List<Integer> t = log.touching(s);
            if (!t.isEmpty() && (last == null || t.get(t.size() - 1) > last.index())) last = log.get(t.get(t.size() - 1));
        }
        return last;
    }

    /** The subjects to follow: the BOs the violation names (ghosts count as the BO they came from), else what it names. */
    static List<String> subjects(StampedViolation v) {
        List<String> bos = bosOf(v.violation().entities());
        List<String> out = new ArrayList<>();
        for (String b : bos) out.add(EntryLog.boKey(b));
        if (!out.isEmpty()) return out;
        for (String part : v.violation().entities().split(",\\s*")) {
            String p = part.trim();
            if (p.startsWith("region ")) out.add(new Address.Region(p.substring(7)).toString());
            else if (p.equals("io")) out.add(new Address.Io().toString());
        }
        return out;
    }

    /** The BO names in a violation's entities ({@code "bo A, io"}, {@code "region VRAM, ghost(A)#2"}). */
    public static List<String> bosOf(String entities) {
        List<String> out = new ArrayList<>();
        for (String part : entities.split(",\\s*")) {
            String p = part.trim();
            if (p.startsWith("bo ")) out.add(p.substring(3));
            else if (p.startsWith("ghost(") && p.indexOf(')') > 6) out.add(p.substring(6, p.indexOf(')')));
        }
        return out;
    }

    private static List<EntryLog.Logged> chain(EntryLog log, EntryLog.Logged breaking, List<String> subjects) {
        PriorityQueue<EntryLog.Logged> next = new PriorityQueue<>(Comparator.comparingInt(EntryLog.Logged::index).reversed());
        TreeMap<Integer, EntryLog.Logged> kept = new TreeMap<>();
        next.add(breaking);
        while (!next.isEmpty() && kept.size() < MAX_STEPS) {
            EntryLog.Logged l = next.poll();
            if (kept.containsKey(l.index())) continue;
            kept.put(l.index(), l);
            EntryLog.Logged cause = log.causeOf(l);
            if (cause != null) next.add(cause);
            for (String s : subjects) {
                EntryLog.Logged before = previousSaying(log, s, l.index());
                if (before != null) next.add(before);
            }
        }
        return new ArrayList<>(kept.values());
    }

    /** The last entry before {@code index} that touched {@code subject} and has something to say (not only bookkeeping). */
    private static EntryLog.Logged previousSaying(EntryLog log, String subject, int index) {
        List<Integer> t = log.touching(subject);
        int at = java.util.Collections.binarySearch(t, index);
        for (int i = (at >= 0 ? at : -at - 1) - 1; i >= 0; i--) {
            EntryLog.Logged l = log.get(t.get(i));
            if (!TtmWords.events(l.entry().recorded().events()).isEmpty()) return l;
        }
        return null;
    }

    /** One step: what the input asked, where it came from, what happened, what it sent on. */
    static String describe(EntryLog.Logged l) {
        StringBuilder b = new StringBuilder(TtmWords.input(l.entry().recorded().input()));
        String from = origin(l.cause());
        if (!from.isEmpty()) b.append(" (").append(from).append(')');
        String what = TtmWords.events(l.entry().recorded().events());
        if (!what.isEmpty()) b.append(": ").append(what);
        String sent = TtmWords.sends(l.sends());
        if (!sent.isEmpty()) b.append("; ").append(sent);
        return b.toString();
    }

    private static String origin(Cause c) {
        if (c instanceof Cause.Client cl) return cl.client().equals(Cause.HARNESS) ? "from the harness" : "from " + cl.client();
        if (c instanceof Cause.SentBy s) return "sent by " + s.sender() + " at stamp " + s.stamp();
        if (c instanceof Cause.Unrecorded u && u.sender() != null) return "sent by " + u.sender() + ", on a message of " + u.tookFrom() + " at stamp " + u.tookAt();
        return "";
    }

    /** Messages the chain's entries sent that no entry at or before {@code stamp} had taken. */
    private static List<String> inFlight(EntryLog log, List<EntryLog.Logged> chain, long stamp) {
        List<String> out = new ArrayList<>();
        for (EntryLog.Logged l : chain) {
            if (l.stamp() > stamp) continue;
            List<EntryLog.Logged> effects = log.effectsOf(l);
            for (Decision.Send s : l.sends()) {
                if (s.to() instanceof Address.Client || !TtmWords.interesting(s.message())) continue;
                EntryLog.Logged took = null;
                for (EntryLog.Logged e : effects) if (e.entity().equals(s.to()) && e.entry().recorded().input().equals(s.message())) took = e;
                if (took != null && took.stamp() <= stamp) continue;
                out.add(TtmWords.input(s.message()) + ", sent by " + l.entity() + " at stamp " + l.stamp() + " to " + s.to()
                        + (took == null ? ", never taken in a journaled decision" : ", taken only at stamp " + took.stamp()));
            }
        }
        return out;
    }

    // ---- the summary sentence ---------------------------------------------------------------------------------------

    private static String headline(StampedViolation v, EntryLog.Logged breaking) {
        String inv = v.violation().invariant() + " " + Invariant.title(v.violation().invariant());
        if (v.entity() == null) return "at the end of the journal (stamp " + v.stamp() + "), " + inv + " did not hold: " + v.violation().detail();
        String what = breaking == null ? "the end of the journal" : TtmWords.input(breaking.entry().recorded().input()) + " on " + breaking.entity();
        return what + " at stamp " + v.stamp() + " broke " + inv + ": " + v.violation().detail();
    }

    private static String summary(EntryLog log, StampedViolation v, EntryLog.Logged breaking, List<EntryLog.Logged> chain) {
        StringBuilder b = new StringBuilder(headline(v, breaking)).append('.');
        for (String bo : bosOf(v.violation().entities())) {
            String why = switch (v.violation().invariant()) {
                case Invariant.RESERVATION -> reservation(log, bo, breaking);
                case Invariant.CPU_VISIBLE -> ioReservation(log, bo, breaking, chain);
                case Invariant.IO_BALANCE -> ioBalance(log, bo, breaking);
                default -> "";
            };
            if (!why.isEmpty()) b.append(' ').append(why);
        }
        return b.toString();
    }

    /** INV-1: who held the reservation then, and why the operation ran without it (a pin lets a kmap skip it). */
    private static String reservation(EntryLog log, String bo, EntryLog.Logged breaking) {
        BoPicture after = breaking.after().get(bo);
        StringBuilder b = new StringBuilder(bo + "'s reservation was " + (after == null || after.holder() == null ? "held by nobody" : "held by " + after.holder()));
        Found pin = lastEvent(log, bo, breaking.index(), BufferObject.PinChanged.class);
        if (after != null && after.pins() > 0 && pin != null)
            b.append(": ").append(bo).append(" is pinned (pin count ").append(after.pins()).append(" since stamp ").append(pin.at.stamp())
                    .append("), so ").append(TtmWords.input(breaking.entry().recorded().input())).append(" ran without it (a kmap of a pinned BO: use case 2)");
        if (unlocked(breaking)) b.append("; the change was made outside the BO reservation").append(v3(log));
        return b.append('.').toString();
    }

    /** INV-7: how the IO reservation came to be missing: taken outside the lock and not yet done, or freed before. */
    private static String ioReservation(EntryLog log, String bo, EntryLog.Logged breaking, List<EntryLog.Logged> chain) {
        List<String> parts = new ArrayList<>();
        Found refs = lastEvent(log, bo, breaking.index() + 1, BufferObject.IoRefsChanged.class);
        if (refs != null) {
            BufferObject.IoRefsChanged r = (BufferObject.IoRefsChanged) refs.event;
            parts.add(bo + "'s IO reference count was set to " + r.ioRefs() + " by " + TtmWords.input(refs.at.entry().recorded().input()) + " at stamp "
                    + refs.at.stamp() + (r.unlocked() ? " outside the BO reservation" : ""));
        }
        Found free = lastEvent(log, bo, breaking.index() + 1, IoManager.FreeCalled.class);
        Found reserve = lastEvent(log, bo, breaking.index() + 1, IoManager.ReserveCalled.class);
        if (free != null && reserve != null && free.at.index() > reserve.at.index()) {
            EntryLog.Logged by = log.causeOf(free.at);
            parts.add("its IO reservation was freed (io_mem_free) at stamp " + free.at.stamp()
                    + (by == null ? "" : ", sent by " + TtmWords.input(by.entry().recorded().input()) + " on " + by.entity() + " at stamp " + by.stamp())
                    + " while other mappings still used it");
        }
        for (EntryLog.Logged l : chain) {
            for (Decision.Send s : l.sends()) {
                if (!(s.message() instanceof IoManager.IoReserve r) || !r.bo().equals(bo) || l.stamp() > breaking.stamp()) continue;
                EntryLog.Logged took = null;
                for (EntryLog.Logged e : log.effectsOf(l)) if (e.entry().recorded().input().equals(s.message())) took = e;
                if (took == null || took.stamp() > breaking.stamp())
                    parts.add("its io_mem_reserve, sent at stamp " + l.stamp() + ", was still in flight" + (took == null ? "" : " (the IO manager took it only at stamp " + took.stamp() + ")"));
            }
        }
        return parts.isEmpty() ? "" : capital(String.join("; ", parts)) + v3(log) + ".";
    }

    /** INV-8: the BO's io_mem_reserve / io_mem_free history before the unbalanced call. */
    private static String ioBalance(EntryLog log, String bo, EntryLog.Logged breaking) {
        Found reserve = lastEvent(log, bo, breaking.index(), IoManager.ReserveCalled.class);
        Found free = lastEvent(log, bo, breaking.index(), IoManager.FreeCalled.class);
        EntryLog.Logged by = log.causeOf(breaking);
        String sender = by == null ? "" : "; this io_mem_free was sent by " + TtmWords.input(by.entry().recorded().input()) + " on " + by.entity() + " at stamp " + by.stamp();
        String history;
        if (reserve == null) history = bo + " never held an IO reservation (no io_mem_reserve for it before stamp " + breaking.stamp() + ")";
        else if (free != null && free.at.index() > reserve.at.index())
            history = bo + "'s last IO reservation (io_mem_reserve at stamp " + reserve.at.stamp() + ") was already freed at stamp " + free.at.stamp() + ": a double io_mem_free";
        else history = bo + " was IO-reserved at stamp " + reserve.at.stamp();
        String zero = log.device().driver() == Driver.V3_ATOMIC ? " (the v3-atomic driver frees without testing for zero)" : "";
        return capital(history) + sender + zero + ".";
    }

    private static String v3(EntryLog log) {
        return log.device().driver() == Driver.V3_ATOMIC ? ": the v3-atomic driver sets its IO flag (use_count) outside the BO reservation, before io_mem_reserve is done" : "";
    }

    private static boolean unlocked(EntryLog.Logged l) {
        for (Event e : l.entry().recorded().events()) {
            if (e instanceof BufferObject.KmapChanged k && k.unlocked()) return true;
            if (e instanceof BufferObject.IoRefsChanged r && r.unlocked()) return true;
        }
        return false;
    }

    private record Found(EntryLog.Logged at, Event event) {}

    /** The last event of {@code type} about {@code bo} in an entry before {@code index}, or null. */
    private static Found lastEvent(EntryLog log, String bo, int index, Class<? extends Event> type) {
        List<Integer> t = log.touching(EntryLog.boKey(bo));
        for (int i = t.size() - 1; i >= 0; i--) {
            if (t.get(i) >= index) continue;
            EntryLog.Logged l = log.get(t.get(i));
            List<Event> evs = l.entry().recorded().events();
            for (int j = evs.size() - 1; j >= 0; j--) {
                Event e = evs.get(j);
                if (!type.isInstance(e)) continue;
                List<String> named = TtmWords.bosNamed(e);
                if (named.isEmpty() ? l.entity().equals(new Address.Bo(bo)) : named.contains(bo)) return new Found(l, e);
            }
        }
        return null;
    }

    private static String capital(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
