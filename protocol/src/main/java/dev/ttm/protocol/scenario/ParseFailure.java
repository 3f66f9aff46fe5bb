package dev.ttm.protocol.scenario;

/** A script error found while parsing one line: aborts that line. Carries no stack trace. */
final class ParseFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final Ast.Pos pos;

    ParseFailure(Ast.Pos pos, String message) {
        super(message, null, false, false);
        this.pos = pos;
    }

    Ast.ScriptError toError() {
        return new Ast.ScriptError(pos, getMessage());
    }
}
