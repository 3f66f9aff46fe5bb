package dev.ttm.actors;

import dev.ttm.protocol.model.Outcome;
import dev.ttm.protocol.model.Placement;
import dev.ttm.protocol.model.RegionManager;
import dev.ttm.protocol.model.Reply;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * The API's argument checks: each answers null when the argument is fine, else the {@code EINVAL} reply the caller
 * gets instead of an exception. Names of buffer objects and owners are 1 to 200 characters of letters, digits,
 * {@code _}, {@code .} and {@code -} (not starting with {@code .} or {@code -}): no {@code :}, which marks the
 * model's internal owners (an execbuf holds as {@code exec:N}), and nothing a ghost's name ({@code ghost(A)#1}) has.
 */
final class Args {
    static final int MAX_NAME = 200;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.\\-]*");
    /** Replies made by the API itself, before anything reaches the model, carry this request id. */
    static final long NO_REQUEST = -1;

    private Args() {}

    static Reply bo(String name) {
        return name("buffer object", name);
    }

    static Reply owner(String owner) {
        return name("owner", owner);
    }

    /** An owner that may be absent (a plain operation takes the reservation for its own duration). */
    static Reply optionalOwner(String owner) {
        return owner == null ? null : owner(owner);
    }

    static Reply placement(Placement p) {
        return p == null ? einval("missing placement (Placement.NONE purges)") : null;
    }

    static Reply page(long page) {
        return page < 0 ? einval("negative page " + page) : null;
    }

    static Reply priority(int priority) {
        return priority < 0 || priority >= RegionManager.PRIORITIES
                ? einval("LRU priority " + priority + " is not in 0.." + (RegionManager.PRIORITIES - 1)) : null;
    }

    static Reply ticket(Long ticket) {
        return ticket != null && ticket < 0 ? einval("negative ticket " + ticket) : null;
    }

    /** The first complaint, or null. */
    static Reply first(Reply... checks) {
        for (Reply r : checks) if (r != null) return r;
        return null;
    }

    static Reply einval(String why) {
        return Reply.of(NO_REQUEST, Outcome.EINVAL, why);
    }

    static Reply enoent(String why) {
        return Reply.of(NO_REQUEST, Outcome.ENOENT, why);
    }

    static CompletionStage<Reply> done(Reply r) {
        return CompletableFuture.completedFuture(r);
    }

    private static Reply name(String what, String name) {
        if (name == null) return einval("missing " + what + " name");
        if (name.isEmpty() || name.length() > MAX_NAME || !NAME.matcher(name).matches())
            return einval("invalid " + what + " name '" + shorten(name) + "' (1 to " + MAX_NAME
                    + " letters, digits, '_', '.', '-', not starting with '.' or '-')");
        return null;
    }

    private static String shorten(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
