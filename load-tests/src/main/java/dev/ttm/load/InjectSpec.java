package dev.ttm.load;

import dev.ttm.protocol.model.Injection;
import dev.ttm.protocol.model.KernelError;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code --inject} (or {@code ttm.load.inject} entry): {@code WHAT=HOW[@EVERY]}.
 * <ul>
 *   <li>{@code io-reserve=EBUSY|ENOSPC|EIO}: the driver's io_mem_reserve fails;</li>
 *   <li>{@code fault-notify=EBUSY|ERESTARTSYS|EIO}: the driver's fault hook fails;</li>
 *   <li>{@code alloc=nospace|busy}, {@code alloc.REGION=nospace|busy}: a region's allocator fails (VRAM unless named);</li>
 *   <li>{@code slow-moves=FACTOR}: the GPU is FACTOR times slower to signal fences, so pipelined moves, ghosts and
 *       move fences last that much longer (no {@code @EVERY}: it holds for the whole run);</li>
 *   <li>{@code crash=bo|region|io|any}: an entity actor throws mid-operation, is restarted by its supervisor and
 *       recovers from the journal (needs a journal: leveldb or memory).</li>
 * </ul>
 * A driver or allocator failure is armed for one call ({@code count=1}) every {@code EVERY} (default 20 ms), a crash
 * happens every {@code EVERY} (default 500 ms), from the clients' start to the end of the run.
 */
public record InjectSpec(String text, What what, Injection injection, double slowFactor, String crashTarget, Duration every) {
    public enum What { DRIVER, ALLOC, SLOW_MOVES, CRASH }

    private static final Pattern FORM = Pattern.compile("([a-z-]+)(?:\\.([A-Za-z0-9_-]+))?=([A-Za-z0-9.]+)(?:@([0-9]+(?:ms|s|us)))?");

    public static InjectSpec parse(String text) {
        Matcher m = FORM.matcher(text.trim());
        if (!m.matches()) throw new IllegalArgumentException("'" + text + "' is not WHAT=HOW[@EVERY] (e.g. io-reserve=EBUSY@10ms, alloc=nospace, slow-moves=10, crash=bo@1s)");
        String what = m.group(1);
        String region = m.group(2);
        String how = m.group(3);
        Duration every = m.group(4) == null ? null : duration(m.group(4));
        if (region != null && !what.equals("alloc")) throw new IllegalArgumentException("'" + text + "': only alloc names a region (alloc.TT=nospace)");
        return switch (what) {
            case "io-reserve" -> driver(text, Injection.Kind.IO_RESERVE, error(text, how, "EBUSY", "ENOSPC", "EIO"), every);
            case "fault-notify" -> driver(text, Injection.Kind.FAULT_NOTIFY, error(text, how, "EBUSY", "ERESTARTSYS", "EIO"), every);
            case "alloc" -> {
                Injection.Kind kind = switch (how.toLowerCase(Locale.ROOT)) {
                    case "nospace" -> Injection.Kind.ALLOC_NOSPACE;
                    case "busy" -> Injection.Kind.ALLOC_BUSY;
                    default -> throw new IllegalArgumentException("'" + text + "': alloc= takes nospace or busy, not " + how);
                };
                yield new InjectSpec(text, What.ALLOC, new Injection(region == null ? "VRAM" : region, kind, null, 1), 0, null,
                        every == null ? Duration.ofMillis(20) : every);
            }
            case "slow-moves" -> {
                if (every != null) throw new IllegalArgumentException("'" + text + "': slow-moves holds for the whole run (no @EVERY)");
                double f;
                try {
                    f = Double.parseDouble(how);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + text + "': slow-moves= takes a factor (e.g. 10), not " + how);
                }
                if (!(f >= 1) || Double.isInfinite(f)) throw new IllegalArgumentException("'" + text + "': the factor must be at least 1");
                yield new InjectSpec(text, What.SLOW_MOVES, null, f, null, null);
            }
            case "crash" -> {
                String t = how.toLowerCase(Locale.ROOT);
                if (!t.equals("bo") && !t.equals("region") && !t.equals("io") && !t.equals("any"))
                    throw new IllegalArgumentException("'" + text + "': crash= takes bo, region, io or any, not " + how);
                yield new InjectSpec(text, What.CRASH, null, 0, t, every == null ? Duration.ofMillis(500) : every);
            }
            default -> throw new IllegalArgumentException("'" + text + "': nothing to inject called '" + what
                    + "' (io-reserve, fault-notify, alloc, slow-moves, crash)");
        };
    }

    private static InjectSpec driver(String text, Injection.Kind kind, KernelError error, Duration every) {
        return new InjectSpec(text, What.DRIVER, new Injection(Injection.DRIVER, kind, error, 1), 0, null, every == null ? Duration.ofMillis(20) : every);
    }

    private static KernelError error(String text, String how, String... allowed) {
        for (String a : allowed) if (a.equalsIgnoreCase(how)) return KernelError.valueOf(a);
        throw new IllegalArgumentException("'" + text + "': takes " + String.join(", ", allowed) + ", not " + how);
    }

    private static Duration duration(String s) {
        if (s.endsWith("ms")) return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
        if (s.endsWith("us")) return Duration.ofNanos(1000 * Long.parseLong(s.substring(0, s.length() - 2)));
        return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)));
    }
}
