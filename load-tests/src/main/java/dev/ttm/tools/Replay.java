package dev.ttm.tools;

import dev.ttm.persistence.JournalReader;
import dev.ttm.protocol.invariants.Invariant;
import dev.ttm.protocol.journal.BoTimeline;
import dev.ttm.protocol.journal.Divergence;
import dev.ttm.protocol.journal.EntryLog;
import dev.ttm.protocol.journal.MemoryMap;
import dev.ttm.protocol.journal.WhyChain;
import dev.ttm.protocol.journal.FoldListener;
import dev.ttm.protocol.journal.FoldResult;
import dev.ttm.protocol.journal.InFlight;
import dev.ttm.protocol.journal.JournalEntry;
import dev.ttm.protocol.journal.JournalFold;
import dev.ttm.protocol.journal.Leaks;
import dev.ttm.protocol.journal.ModelPicture;
import dev.ttm.protocol.journal.RunStarted;
import dev.ttm.protocol.journal.StampedViolation;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.RegionConfig;
import dev.ttm.protocol.model.StateDigest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code ttm replay}'s functional core: folds what a journal holds ({@link JournalReader.Contents}) through the model
 * and makes the report (the summary; a BO's timeline, the model at a stamp, the re-execution check when asked), as
 * text and as a JSON tree. More reports plug in as {@link FoldListener}s on the same pass.
 */
final class Replay {
    /**
     * What was asked: {@code bo} (or null), {@code at} (or -1), {@code recheck}, {@code why} (explain the violations),
     * {@code picture} (keep what the HTML page draws: every entry and memory over time).
     */
    record Ask(String bo, long at, boolean recheck, boolean why, boolean picture) {
        Ask(String bo, long at, boolean recheck) {
            this(bo, at, recheck, false, false);
        }
    }

    /**
     * The report: everything folded, ready to print. {@code whys}: with {@code --why}, the first violation of each
     * invariant explained (empty: none broke); {@code log} and {@code memory}: kept for {@code --why} and the HTML page.
     */
    record Report(JournalReader.Contents contents, DeviceConfig device, boolean deviceRecorded, FoldResult result, Leaks leaks,
                  BoTimeline timeline, ModelPicture at, Ask ask, List<WhyChain.Why> whys, EntryLog log, MemoryMap memory) {
        boolean diverged() {
            return ask.recheck() && result.firstDivergence().isPresent();
        }
    }

    private Replay() {}

    static Report fold(JournalReader.Contents c, DeviceConfig device, boolean deviceRecorded, Ask ask, List<FoldListener> more) {
        JournalFold fold = new JournalFold(device);
        BoTimeline timeline = ask.bo() == null ? null : new BoTimeline(ask.bo(), device);
        if (timeline != null) fold.listen(timeline);
        for (FoldListener l : more) fold.listen(l);
        EntryLog log = ask.why() || ask.picture() ? new EntryLog(device) : null;
        MemoryMap memory = ask.picture() ? new MemoryMap(device) : null;
        if (log != null) fold.listen(log);
        if (memory != null) fold.listen(memory);
        ModelPicture at = null;
        long last = 0;
        for (JournalEntry e : c.entries()) {
            if (ask.at() >= 0 && at == null && e.stamp() > ask.at()) at = ModelPicture.of(fold.model(), last);
            fold.apply(e);
            last = e.stamp();
        }
        if (ask.at() >= 0 && at == null) at = ModelPicture.of(fold.model(), last);
        FoldResult r = fold.finish();
        List<WhyChain.Why> whys = log == null ? List.of() : WhyChain.explainFirsts(log, r.violations());
        return new Report(c, device, deviceRecorded, r, Leaks.of(fold.model(), r.inFlight()), timeline, at, ask, whys, log, memory);
    }

    // ---- text ----------------------------------------------------------------------------------------------------
    static List<String> text(Report rep) {
        List<String> out = new ArrayList<>();
        FoldResult r = rep.result();
        JournalReader.Contents c = rep.contents();
        out.add("journal     " + c.dataDir());
        out.add("runs        " + r.runs().size());
        RunEndings endings = RunEndings.of(c);
        for (int i = 0; i < c.runs().size(); i++) {
            RunStarted run = c.runs().get(i);
            out.add("  run " + (i + 1) + "     " + run.runId() + " (format " + run.format() + ", stamps after " + run.afterStamp() + ")");
            out.add("            " + endings.describe(i, rep.leaks().inFlight().size()));
        }
        out.add("device      " + device(rep.device()) + (rep.deviceRecorded() ? "" : " (not journaled: the default configuration's)"));
        out.add("entities    " + entities(c));
        out.add("entries     " + r.entries() + " (" + r.events() + " events)");
        out.add("stamps      " + (r.entries() == 0 ? "none" : r.firstStamp() + " .. " + r.lastStamp()));
        if (r.violations().isEmpty()) {
            out.add("invariants  ok (all checked after every entry)");
        } else {
            out.add("invariants  " + r.violations().size() + " violation(s)");
            for (StampedViolation v : r.violations()) out.add("  " + v);
        }
        leaks(out, rep.leaks());
        if (rep.ask().recheck()) recheck(out, r);
        out.add("digest      " + r.digest());
        if (rep.ask().why()) why(out, rep);
        if (rep.timeline() != null) timeline(out, rep.timeline());
        if (rep.at() != null) picture(out, rep.at(), rep.ask().at());
        return out;
    }

    static String device(DeviceConfig d) {
        StringBuilder b = new StringBuilder("driver=" + d.driver() + " walk=" + d.walk() + (d.multihop() ? " multihop" : "") + " page=" + d.pageBytes());
        for (RegionConfig r : d.regions().values()) {
            b.append(", ").append(r.name());
            if (r.bounded()) b.append(' ').append(r.sizePages()).append(" pages");
            if (r.visiblePages() > 0) b.append(" (window ").append(r.visiblePages()).append(')');
        }
        return b.toString();
    }

    private static String entities(JournalReader.Contents c) {
        Set<String> bos = new TreeSet<>();
        int regions = 0;
        int execs = 0;
        boolean io = false;
        for (String pid : c.entriesByPid().keySet()) {
            Address a = dev.ttm.protocol.journal.JournalFormat.entity(pid);
            if (a instanceof Address.Bo b) bos.add(b.name());
            else if (a instanceof Address.Region) regions++;
            else if (a instanceof Address.Exec) execs++;
            else if (a instanceof Address.Io) io = true;
        }
        String s = bos.size() + " BOs, " + regions + " regions, " + (io ? "the IO manager, " : "") + execs + " execbufs";
        return c.otherPids().isEmpty() ? s : s + "; not ttm's: " + String.join(", ", c.otherPids());
    }

    private static void leaks(List<String> out, Leaks l) {
        if (l.none()) {
            out.add("leaks       none");
            return;
        }
        out.add("leaks");
        item(out, "reservations held", l.reservations());
        item(out, "IO reservations", l.ioReservations());
        item(out, "kmaps outstanding", l.kmaps());
        item(out, "pins", l.pins());
        item(out, "ghosts", l.ghosts());
        List<String> msgs = new ArrayList<>();
        for (InFlight f : l.inFlight()) msgs.add(inFlight(f));
        item(out, "messages in flight", msgs);
    }

    /** At most this many of a kind of leak are listed by name; the rest are counted ({@code --json} lists all). */
    static final int LEAKS_LISTED = 12;

    private static void item(List<String> out, String what, List<String> xs) {
        if (xs.size() <= LEAKS_LISTED) {
            out.add("  " + what + ": " + (xs.isEmpty() ? "none" : String.join("; ", xs)));
            return;
        }
        out.add("  " + what + ": " + xs.size() + ": " + String.join("; ", xs.subList(0, LEAKS_LISTED)) + "; and " + (xs.size() - LEAKS_LISTED)
                + " more (--json lists them all)");
    }

    static String inFlight(InFlight f) {
        return f.from() + " -> " + f.to() + " " + StateDigest.canonical(f.message()) + " (sent at stamp " + f.sentAt() + ")";
    }

    private static void recheck(List<String> out, FoldResult r) {
        if (r.firstDivergence().isEmpty()) {
            out.add("recheck     no divergence (today's decide made the same events for all " + r.entries() + " entries)");
            return;
        }
        Divergence d = r.firstDivergence().get();
        out.add("recheck     " + r.divergences() + " entries decided otherwise today; the first at stamp " + d.stamp() + ", " + d.entity()
                + " sequence number " + d.seqNr());
        out.add("  input     " + StateDigest.canonical(d.input()));
        out.add("  recorded  " + d.recorded());
        out.add("  today     " + d.today());
    }

    /** {@code --why}: each explained violation, its summary wrapped for a terminal, then its steps in stamp order. */
    private static void why(List<String> out, Report rep) {
        out.add("");
        if (rep.whys().isEmpty()) {
            out.add("why         no violation: every invariant held after every entry");
            return;
        }
        for (int i = 0; i < rep.whys().size(); i++) {
            WhyChain.Why w = rep.whys().get(i);
            StampedViolation v = w.violation();
            if (i > 0) out.add("");
            String inv = v.violation().invariant() + " " + Invariant.title(v.violation().invariant());
            out.add("why         " + inv + " at stamp " + v.stamp() + (i == 0 ? " (the first violation)" : " (the first " + v.violation().invariant() + ")"));
            for (String l : wrap(w.summary(), 110)) out.add("  " + l);
            out.add("  the chain that led there (" + w.steps().size() + " step(s), at most " + WhyChain.MAX_STEPS + "):");
            for (WhyChain.Step s : w.steps())
                out.add((s.breaking() ? "  > " : "    ") + "stamp " + s.stamp() + "  " + s.entity() + "  " + s.text() + (s.breaking() ? "   <== broke " + v.violation().invariant() : ""));
            for (String f : w.inFlight()) out.add("    in flight then: " + f);
        }
    }

    static List<String> wrap(String text, int width) {
        List<String> out = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                out.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) line.append(' ');
            line.append(word);
        }
        if (line.length() > 0) out.add(line.toString());
        return out;
    }

    private static void timeline(List<String> out, BoTimeline t) {
        out.add("");
        out.add("timeline of bo " + t.name() + " (" + t.steps().size() + " events)");
        long entry = -1;
        for (BoTimeline.Step s : t.steps()) {
            if (s.stamp() != entry) {
                entry = s.stamp();
                out.add("  stamp " + s.stamp() + " (#" + s.seqNr() + ") on " + StateDigest.canonical(s.input()) + ", " + s.cause());
            }
            out.add("      " + StateDigest.canonical(s.event()));
            out.add("        => " + s.after().line());
        }
    }

    private static void picture(List<String> out, ModelPicture p, long asked) {
        out.add("");
        out.add("model at stamp " + asked + " (after the entry at stamp " + p.stamp() + ")");
        for (ModelPicture.RegionPicture r : p.regions()) {
            out.add("region " + r.name() + ": " + (r.sizePages() < 0 ? "unbounded" : r.sizePages() + " pages") + ", " + r.usedPages() + " used"
                    + (r.windowPages() > 0 ? ", CPU-visible window [0.." + r.windowPages() + ")" : r.cpuVisible() ? ", CPU-visible" : ""));
            for (ModelPicture.Span s : r.map())
                out.add("  [" + s.startPage() + ".." + s.endPage() + ")  " + (s.holder() == null ? "free" : (s.ghost() ? "ghost " : "") + s.holder()));
            out.add("  lru: " + (r.lru().isEmpty() ? "empty" : String.join(", ", r.lru())));
            if (!r.ghosts().isEmpty()) out.add("  ghosts: " + String.join(", ", r.ghosts()));
        }
        for (var b : p.bos()) out.add("bo " + b.line());
    }

    // ---- JSON ----------------------------------------------------------------------------------------------------
    static Map<String, Object> json(Report rep) {
        FoldResult r = rep.result();
        JournalReader.Contents c = rep.contents();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("journal", c.dataDir().toString());
        List<Object> runs = new ArrayList<>();
        RunEndings endings = RunEndings.of(c);
        for (int i = 0; i < c.runs().size(); i++) runs.add(endings.json(i));
        m.put("runs", runs);
        m.put("device", device(rep.device()));
        m.put("deviceJournaled", rep.deviceRecorded());
        m.put("entities", entities(c));
        m.put("entriesByPersistenceId", c.entriesByPid());
        m.put("entries", r.entries());
        m.put("events", r.events());
        m.put("firstStamp", r.firstStamp());
        m.put("lastStamp", r.lastStamp());
        List<Object> vs = new ArrayList<>();
        for (StampedViolation v : r.violations()) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("invariant", v.violation().invariant());
            x.put("title", Invariant.title(v.violation().invariant()));
            x.put("stamp", v.stamp());
            x.put("entity", v.entity() == null ? null : v.entity().toString());
            x.put("entities", v.violation().entities());
            x.put("detail", v.violation().detail());
            vs.add(x);
        }
        m.put("invariantsHold", r.invariantsHold());
        m.put("violations", vs);
        Leaks l = rep.leaks();
        Map<String, Object> leaks = new LinkedHashMap<>();
        leaks.put("reservations", l.reservations());
        leaks.put("ioReservations", l.ioReservations());
        leaks.put("kmaps", l.kmaps());
        leaks.put("pins", l.pins());
        leaks.put("ghosts", l.ghosts());
        List<Object> msgs = new ArrayList<>();
        for (InFlight f : l.inFlight())
            msgs.add(ordered("from", f.from().toString(), "to", f.to().toString(), "sentAt", f.sentAt(), "message", StateDigest.canonical(f.message())));
        leaks.put("inFlight", msgs);
        m.put("leaks", leaks);
        if (rep.ask().recheck()) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("divergences", r.divergences());
            r.firstDivergence().ifPresent(d -> {
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("stamp", d.stamp());
                f.put("entity", d.entity().toString());
                f.put("sequenceNr", d.seqNr());
                f.put("input", StateDigest.canonical(d.input()));
                f.put("recorded", d.recorded());
                f.put("today", d.today());
                x.put("first", f);
            });
            m.put("recheck", x);
        }
        m.put("digest", r.digest());
        if (rep.timeline() != null) {
            List<Object> steps = new ArrayList<>();
            for (BoTimeline.Step s : rep.timeline().steps()) {
                Map<String, Object> x = new LinkedHashMap<>();
                x.put("stamp", s.stamp());
                x.put("sequenceNr", s.seqNr());
                x.put("event", StateDigest.canonical(s.event()));
                x.put("input", StateDigest.canonical(s.input()));
                x.put("cause", s.cause().toString());
                x.put("after", s.after());
                steps.add(x);
            }
            m.put("timeline", ordered("bo", rep.timeline().name(), "steps", steps));
        }
        if (rep.ask().why()) m.put("why", whyJson(rep.whys()));
        if (rep.at() != null) m.put("at", ordered("stamp", rep.ask().at(), "afterEntry", rep.at().stamp(), "regions", rep.at().regions(), "bos", rep.at().bos()));
        return m;
    }

    /** {@code --why} in JSON: one object per explained violation (the first violation first); an empty list: none broke. */
    static List<Object> whyJson(List<WhyChain.Why> whys) {
        List<Object> out = new ArrayList<>();
        for (WhyChain.Why w : whys) {
            StampedViolation v = w.violation();
            List<Object> steps = new ArrayList<>();
            for (WhyChain.Step s : w.steps()) steps.add(ordered("stamp", s.stamp(), "entity", s.entity(), "text", s.text(), "breaking", s.breaking()));
            out.add(ordered("invariant", v.violation().invariant(), "title", Invariant.title(v.violation().invariant()), "stamp", v.stamp(),
                    "entity", v.entity() == null ? null : v.entity().toString(), "entities", v.violation().entities(), "detail", v.violation().detail(),
                    "summary", w.summary(), "steps", steps, "inFlight", w.inFlight()));
        }
        return out;
    }

    /** A JSON object with its keys in the order given (key, value, key, value, ...). */
    private static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }
}
