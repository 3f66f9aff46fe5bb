package dev.ttm.protocol.scenario;

/**
 * A size as written ({@code 4096}, {@code 64KiB}, {@code 1MiB}, {@code 1GiB}, {@code 16p}); resolved to bytes
 * once the page size is known. {@code unit} is bytes per unit, 0 for pages.
 */
record SizeLit(long count, long unit, Ast.Pos pos) {
    private static final String TOO_LARGE = "number too large (sizes are at most 2^50 bytes)";

    static SizeLit parse(String text, Ast.Pos pos) {
        if (text.isEmpty()) {
            throw Syntax.fail(pos, "missing size");
        }
        int k = 0;
        while (k < text.length() && text.charAt(k) >= '0' && text.charAt(k) <= '9') {
            k++;
        }
        String unitText = text.substring(k);
        if (k == 0 || !unitText.chars().allMatch(Character::isLetter)) {
            throw Syntax.fail(pos, "invalid size " + Syntax.quote(text) + " (expected e.g. 4096, 64KiB, 1MiB, 16p)");
        }
        long unit = switch (unitText) {
            case "" -> 1;
            case "KiB" -> 1L << 10;
            case "MiB" -> 1L << 20;
            case "GiB" -> 1L << 30;
            case "p" -> 0;
            default -> throw Syntax.fail(pos, "unknown size unit " + Syntax.quote(unitText)
                    + " (use KiB, MiB, GiB or p)");
        };
        long max = unit == 0 ? Syntax.MAX_SIZE : Syntax.MAX_SIZE / unit;
        long count = Syntax.number(text.substring(0, k), pos, max, TOO_LARGE);
        return new SizeLit(count, unit, pos);
    }

    /** Bytes, checked: at most 2^50, whole pages, positive unless {@code allowZero}. */
    long bytes(long pageBytes, boolean allowZero) {
        long perUnit = unit == 0 ? pageBytes : unit;
        if (count > Syntax.MAX_SIZE / perUnit) {
            throw Syntax.fail(pos, TOO_LARGE);
        }
        long bytes = count * perUnit;
        if (bytes == 0 && !allowZero) {
            throw Syntax.fail(pos, "size must be positive");
        }
        if (bytes % pageBytes != 0) {
            throw Syntax.fail(pos, "size " + bytes + " is not a whole number of pages (page size " + pageBytes + ")");
        }
        return bytes;
    }
}
