package dev.ttm.protocol.scenario;

import java.util.List;

/**
 * The outcome of {@link ScenarioParser#parse}: a scenario when the file is valid, else its script errors.
 * {@code internalError} is the first bug in the parser itself (also reported in {@code errors}), or null:
 * the runner tells such a bug (exit 3, stack trace kept) from a mistake in the file (exit 2).
 */
public record ParseResult(Ast.Scenario scenario, List<Ast.ScriptError> errors, Throwable internalError) {
    public ParseResult {
        errors = List.copyOf(errors);
    }

    public ParseResult(Ast.Scenario scenario, List<Ast.ScriptError> errors) {
        this(scenario, errors, null);
    }

    /** True when the file parsed without script errors. */
    public boolean ok() {
        return scenario != null;
    }
}
