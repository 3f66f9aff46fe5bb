package dev.ttm.protocol.scenario;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Parser and static checker of scenario files (docs/scenario-language.md). {@link #parse} never throws: every problem,
 * including an unexpected internal one, becomes a {@link Ast.ScriptError} ({@code FILE:LINE:COLUMN: message},
 * 1-based, at the offending token); an internal one is also kept as {@link ParseResult#internalError}. At most
 * {@value Syntax#MAX_ERRORS} errors are reported per file.
 */
public final class ScenarioParser {
    private final String file;
    private final List<Ast.ScriptError> errors = new ArrayList<>();
    private final List<Ast.Stmt> body = new ArrayList<>();
    private final SetupParser setupParser;
    private Setup setup;
    private BodyParser bodyParser;
    private Ast.Pos current;
    private Throwable internalError;

    private ScenarioParser(String file) {
        this.file = file;
        this.setupParser = new SetupParser(file);
        this.current = new Ast.Pos(file, 1, 1);
    }

    /** Parses and checks one file. {@code scenario} is null exactly when {@code errors} is not empty. */
    public static ParseResult parse(String fileName, byte[] content) {
        String file = fileName == null ? "<input>" : fileName;
        ScenarioParser p = new ScenarioParser(file);
        try {
            return p.run(content == null ? new byte[0] : content);
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            return new ParseResult(null, List.of(p.internal(p.current, e)), e);
        }
    }

    /** Convenience: parses a string (encoded as UTF-8). */
    public static ParseResult parse(String fileName, String content) {
        byte[] bytes = content == null ? new byte[0] : content.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return parse(fileName, bytes);
    }

    private ParseResult run(byte[] content) {
        SourceDecoder src = new SourceDecoder(content);
        while (src.hasNext() && errors.size() < Syntax.MAX_ERRORS) {
            line(src.next());
        }
        if (setup == null) {
            finishSetup();
        }
        errors.sort(Comparator.comparingInt((Ast.ScriptError e) -> e.pos().line())
                .thenComparingInt(e -> e.pos().column()));
        if (!errors.isEmpty()) {
            return new ParseResult(null, errors.subList(0, Math.min(errors.size(), Syntax.MAX_ERRORS)), internalError);
        }
        Ast.Scenario s = new Ast.Scenario(file, setup.device(), setup.regions(), setup.injections(), List.copyOf(body));
        return new ParseResult(s, List.of());
    }

    private void line(SourceDecoder.Line l) {
        current = new Ast.Pos(file, l.number(), 1);
        if (l.error() != null) {
            errors.add(new Ast.ScriptError(new Ast.Pos(file, l.number(), l.errorColumn()), l.error()));
            return;
        }
        List<Token> tokens = Token.split(file, l.number(), l.text());
        if (tokens.isEmpty()) {
            return;
        }
        try {
            statement(tokens);
        } catch (ParseFailure f) {
            errors.add(f.toError());
        } catch (RuntimeException e) {
            errors.add(internal(current, e));
        }
    }

    private void statement(List<Token> t) {
        Token kw = t.get(0);
        if (kw.is("inject") && setup != null) {
            body.add(new Ast.InjectStmt(kw.pos(), SetupParser.injectionAfterSetup(t, setup.declared())));
        } else if (SetupParser.KEYWORDS.contains(kw.text())) {
            if (setup != null) {
                throw Syntax.fail(kw.pos(), "set-up statement " + Syntax.quote(kw.text())
                        + " must come before the first operation or expectation");
            }
            setupParser.statement(t);
        } else if (BodyParser.isKeyword(kw.text())) {
            if (setup == null) {
                finishSetup();
            }
            body.add(bodyParser.statement(t));
        } else {
            throw unknownStatement(kw);
        }
    }

    private void finishSetup() {
        try {
            setup = setupParser.finish(f -> errors.add(f.toError()));
        } catch (RuntimeException e) {
            errors.add(internal(current, e));
            setup = new Setup(new Ast.DeviceDecl(4096, "simple", null, "ticket", false), List.of(), List.of(),
                    java.util.Set.of(Syntax.SYSTEM), java.util.Map.of());
        }
        bodyParser = new BodyParser(setup);
    }

    private static ParseFailure unknownStatement(Token kw) {
        String lower = kw.text().toLowerCase(java.util.Locale.ROOT);
        boolean caseOnly = !lower.equals(kw.text())
                && (SetupParser.KEYWORDS.contains(lower) || BodyParser.isKeyword(lower));
        return Syntax.fail(kw.pos(), "unknown statement " + Syntax.quote(kw.text())
                + (caseOnly ? " (keywords are lower case)" : ""));
    }

    private Ast.ScriptError internal(Ast.Pos pos, Throwable e) {
        if (internalError == null) {
            internalError = e;
        }
        return new Ast.ScriptError(pos, "internal error while parsing: " + e.getClass().getSimpleName());
    }
}
