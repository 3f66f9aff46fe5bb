package dev.ttm.protocol.journal;

import java.util.List;
import java.util.Optional;

/**
 * What folding a whole journal came to.
 *
 * @param runs               the run ids, in stamp order
 * @param entries            journal entries folded
 * @param events             events applied
 * @param firstStamp         the first entry's stamp (0 for an empty journal)
 * @param lastStamp          the last entry's stamp (0 for an empty journal)
 * @param violations         every invariant broken, with the stamp of the entry that broke it
 * @param firstDivergence    the first entry today's {@code decide} decides otherwise, if any
 * @param divergences        how many entries diverge
 * @param inFlight           messages sent by journaled decisions and not taken by a later journaled decision of their
 *                           receiver, in the order they were sent (see {@link InFlight})
 * @param unrecordedInputs   inputs that no journaled decision sent: a decision without events sent them
 * @param consumedUnrecorded messages sent by journaled decisions that their receiver took in a decision without events
 *                           (known because a later message on the same channel, sender to receiver, was taken: channels
 *                           keep their order)
 * @param digest             the journal's digest ({@link JournalDigest})
 */
public record FoldResult(List<String> runs, long entries, long events, long firstStamp, long lastStamp, List<StampedViolation> violations,
                         Optional<Divergence> firstDivergence, long divergences, List<InFlight> inFlight, long unrecordedInputs,
                         long consumedUnrecorded, String digest) {
    public FoldResult {
        runs = List.copyOf(runs);
        violations = List.copyOf(violations);
        inFlight = List.copyOf(inFlight);
    }

    public boolean invariantsHold() {
        return violations.isEmpty();
    }
}
