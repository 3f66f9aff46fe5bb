package dev.ttm.protocol.model;

import java.util.ArrayList;
import java.util.List;

/**
 * The injections one entity consumes, in declaration order. Part of that entity's state: a consumed
 * injection is an event ({@link #consume}) so that replay sees the same failures.
 */
public final class Injections {
    private final List<Injection> pending = new ArrayList<>();
    private final List<Integer> used = new ArrayList<>();

    public Injections(List<Injection> injections) {
        for (Injection i : injections) {
            pending.add(i);
            used.add(0);
        }
    }

    /** The index of the injection that fires next for this kind, or -1. Pure. */
    public int next(Injection.Kind kind) {
        for (int i = 0; i < pending.size(); i++) {
            Injection inj = pending.get(i);
            if (inj.kind() == kind && (inj.always() || used.get(i) < inj.count())) return i;
        }
        return -1;
    }

    public Injection get(int index) {
        return pending.get(index);
    }

    public void consume(int index) {
        used.set(index, used.get(index) + 1);
    }
}
