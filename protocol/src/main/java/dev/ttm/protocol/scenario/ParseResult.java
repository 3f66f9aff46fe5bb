package dev.ttm.protocol.scenario;

import java.util.List;

/** The outcome of {@link ScenarioParser#parse}: a scenario when the file is valid, else its script errors. */
public record ParseResult(Ast.Scenario scenario, List<Ast.ScriptError> errors) {
    public ParseResult {
        errors = List.copyOf(errors);
    }

    /** True when the file parsed without script errors. */
    public boolean ok() {
        return scenario != null;
    }
}
