package dev.ttm.protocol.scenario;

import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Placement;
import dev.ttm.protocol.model.RegionConfig;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Placements written as in scenario files, for programs: {@code REGION[:flag...][,REGION...]} or {@code none}
 * (docs/scenario-language.md, "Placements"). The flags are {@code visible}, {@code desired}, {@code fallback},
 * {@code topdown} and {@code range=F..L} (pages, last exclusive); places are tried in the order written, and
 * {@code none} is the empty placement, which purges a BO. The scenario parser does the parsing, so a placement
 * means the same in a {@code .ttm} file and in Java, and {@link Placement#toString()} writes it back.
 *
 * <pre>{@code
 * Placement p = Placements.parse("VRAM:visible,TT");            // the window first, else TT
 * Placements.Result r = Placements.tryParse("VRAM:bogus", device); // r.ok() is false, r.error() says why
 * }</pre>
 */
public final class Placements {
    private static final Ast.DeviceDecl ANY_DEVICE = new Ast.DeviceDecl(4096, "simple", null, "ticket", false);
    private static final Setup NO_REGIONS = new Setup(ANY_DEVICE, List.of(), List.of(), Set.of(), Map.of());
    /** Longer text is refused: no placement of a real device comes close. */
    public static final int MAX_LENGTH = 10_000;

    private Placements() {}

    /**
     * The outcome of parsing: a placement, or the reason it is not one (with the 1-based column of the offending
     * character). Exactly one of the two is non-null.
     */
    public record Result(Placement placement, String error) {
        public Result {
            if ((placement == null) == (error == null)) throw new IllegalArgumentException("a placement or an error");
        }

        public boolean ok() {
            return placement != null;
        }
    }

    /**
     * Parses {@code text} without a device: any syntactically valid region name is accepted (regions the device
     * lacks are skipped when the placement is used, as in TTM), and so is {@code :visible} on any region.
     *
     * @throws IllegalArgumentException if {@code text} is not a placement; the message says why and where. Use
     *         {@link #tryParse} for text that comes from outside the program.
     */
    public static Placement parse(String text) {
        return orThrow(tryParse(text, null));
    }

    /** As {@link #parse(String)}, and {@code :visible} is refused on a region of {@code device} without a window. */
    public static Placement parse(String text, DeviceConfig device) {
        return orThrow(tryParse(text, device));
    }

    /** Parses {@code text}; errors are returned, never thrown. {@code device} may be null (see {@link #parse(String)}). */
    public static Result tryParse(String text, DeviceConfig device) {
        if (text == null) return new Result(null, "missing placement");
        if (text.length() > MAX_LENGTH) return new Result(null, "placement longer than " + MAX_LENGTH + " characters");
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c) || c == '#')
                return new Result(null, "column " + (text.codePointCount(0, i) + 1) + ": a placement has no blanks, control characters or comments");
        }
        Token tok = new Token(text, new Ast.Pos("placement", 1, 1));
        try {
            Ast.PlacementSpec spec = new PlacementParser(device == null ? NO_REGIONS : setupOf(device)).parse(tok, 0);
            return new Result(ScenarioInterpreter.placement(spec), null);
        } catch (ParseFailure f) {
            return new Result(null, "column " + f.pos.column() + ": " + f.getMessage());
        } catch (IllegalArgumentException e) { // a Place the parser let through but the model refuses
            return new Result(null, e.getMessage());
        }
    }

    private static Placement orThrow(Result r) {
        if (!r.ok()) throw new IllegalArgumentException("invalid placement: " + r.error());
        return r.placement();
    }

    /** The device's regions as a scenario's set-up block would declare them (only their windows matter here). */
    private static Setup setupOf(DeviceConfig device) {
        Objects.requireNonNull(device);
        Map<String, Ast.RegionDecl> byName = new HashMap<>();
        Ast.Pos pos = new Ast.Pos("device", 0, 0);
        for (RegionConfig r : device.regions().values()) {
            Long size = r.bounded() ? r.sizePages() * device.pageBytes() : null;
            byName.put(r.name(), new Ast.RegionDecl(pos, r.name(), size, r.visiblePages() * device.pageBytes(), r.cpuVisible(),
                    r.evictTo(), r.purge()));
        }
        return new Setup(ANY_DEVICE, List.copyOf(byName.values()), List.of(), Set.copyOf(byName.keySet()), Map.copyOf(byName));
    }
}
